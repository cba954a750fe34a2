/**
 * Issue 16 (two identical "new sale" toasts for a SIM checked by hand): the live feed must send
 * each sale once, also when its last listener left while a poll was running and a new one came
 * (a page reload, a reconnect). Before the fix that started a second chain of polls beside the
 * running one, and both sent the same sale.
 */
import { type Principal, silentLogger, TokenService } from '@simcard/common';
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

test('a sale is sent once to a listener who came back while a poll was running', async () => {
  const auth = new AuthService(api.db, new TokenService(JWT_SECRET, 3600), 10);
  const admin: Principal = await auth.authenticator.authenticate(api.adminToken);
  const credential = { kind: 'token' as const, value: api.adminToken };
  // No run is ever active here: the status API is never asked (runs are not what this tests).
  const feed = new EventFeed(api.db, null as unknown as StatusChecksService, silentLogger, {
    authenticator: auth.authenticator,
    intervalMs: 1,
    recheckMs: 60_000,
  });
  try {
    // Listeners come and go while polls run, as reloads and reconnects do.
    for (let i = 0; i < 60; i++) {
      const leave = await feed.subscribe(admin, () => {}, { credential, end: () => {} });
      await sleep(i % 4);
      leave();
    }
    const sold: number[] = [];
    await feed.subscribe(admin, (event, data) => event === 'simcard.sold' && sold.push((data as any).simcard.id), {
      credential,
      end: () => {},
    });

    const hasSaleFlag = await api.db.schema.hasColumn('status_check_logs', 'sale');
    const sims = [];
    for (let i = 0; i < 5; i++) {
      const sim = (await api.post('/simcards', { iccid: makeIccid() })).body;
      sims.push(sim);
      await api.db('status_check_logs').insert({
        simcard_id: sim.id,
        iccid: sim.iccid,
        previous_status: 'in_stock',
        new_status: 'sold',
        changed: true,
        source: 'manual',
        checked_at: new Date().toISOString(),
        ...(hasSaleFlag ? { sale: true } : {}),
      });
      await sleep(20);
    }
    await sleep(500);
    for (const sim of sims) expect(sold.filter((id) => id === sim.id)).toHaveLength(1);
  } finally {
    await feed.close();
  }
});
