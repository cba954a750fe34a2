/**
 * A sale goes out only to a stream whose right to it was checked in the same poll. When that
 * check cannot be made (the users' lookup fails: a database hiccup), the feed fails closed: it
 * sends nothing, ends no stream, and sends the waiting sales once a check succeeds again.
 */
import { type Authenticator, type Principal, silentLogger, TokenService } from '@simcard/common';
import { AuthService } from '../src/services/auth.js';
import { EventFeed } from '../src/services/event-feed.js';
import type { StatusChecksService } from '../src/services/status-checks.js';
import { JWT_SECRET, makeIccid, TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('while a stream cannot be checked again, no sale reaches it; the sale arrives once the check works, and only once', async () => {
  const auth = new AuthService(api.db, new TokenService(JWT_SECRET, 3600), 10);
  const admin: Principal = await auth.authenticator.authenticate(api.adminToken);
  // The real authenticator, whose lookup of many credentials fails while `failing` is set.
  let failing = false;
  const flaky = Object.create(auth.authenticator) as Authenticator;
  flaky.authenticateMany = (tokens) =>
    failing ? Promise.reject(new Error('database unavailable')) : auth.authenticator.authenticateMany(tokens);
  // No run is ever active here: the status API is never asked.
  const feed = new EventFeed(api.db, null as unknown as StatusChecksService, silentLogger, {
    authenticator: flaky,
    intervalMs: 20,
    recheckMs: 1,
  });
  const sold: number[] = [];
  const ended: string[] = [];
  try {
    await feed.subscribe(admin, (event, data) => event === 'simcard.sold' && sold.push((data as { simcard: { id: number } }).simcard.id), {
      credential: { kind: 'token', value: api.adminToken },
      end: (reason) => ended.push(reason),
    });
    failing = true;
    const sim = (await api.post('/simcards', { iccid: makeIccid() })).body;
    await api.db('status_check_logs').insert({
      simcard_id: sim.id,
      iccid: sim.iccid,
      previous_status: 'in_stock',
      new_status: 'sold',
      changed: true,
      source: 'manual',
      checked_at: new Date().toISOString(),
      sale: true,
    });
    await sleep(400); // ~20 polls, each with a failed check
    expect(sold).toEqual([]);
    expect(ended).toEqual([]);
    expect(feed.size).toBe(1);

    failing = false;
    for (let i = 0; i < 100 && sold.length === 0; i++) await sleep(20);
    await sleep(200);
    expect(sold).toEqual([sim.id]);
    expect(ended).toEqual([]);
  } finally {
    await feed.close();
  }
});
