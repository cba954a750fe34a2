/**
 * The live feed itself (EventFeed, behind `GET /events`), driven directly:
 * - each sale is sent once, also when the last listener left while a poll was running and a new
 *   one came (issue 16: two chains of polls sent the same sale twice);
 * - a sale goes out only to a stream whose right to it was checked in the same poll: when that
 *   check cannot be made (the users' lookup fails), the feed fails closed — it sends nothing,
 *   ends no stream, and sends the waiting sales once a check succeeds again.
 * Sales are written straight into the log the feed reads, as the status API writes them.
 */
import { type Authenticator, type Credential, type Principal, silentLogger, TokenService } from '@simcard/common';
import { AuthService } from '../src/services/auth.js';
import { EventFeed } from '../src/services/event-feed.js';
import type { StatusChecksService } from '../src/services/status-checks.js';
import { logSale } from './support/event-stream.js';
import { JWT_SECRET, TestApi } from './support/harness.js';

let api: TestApi;
let auth: AuthService;
let admin: Principal;
let credential: Credential;
beforeAll(async () => {
  api = await TestApi.start();
  auth = new AuthService(api.db, new TokenService(JWT_SECRET, 3600), 10);
  admin = await auth.authenticator.authenticate(api.adminToken);
  credential = { kind: 'token', value: api.adminToken };
});
afterAll(() => api.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A feed on the test database; no run is ever active here, so the status API is never asked. */
const feedWith = (authenticator: Authenticator, timing: { intervalMs: number; recheckMs: number }) =>
  new EventFeed(api.db, null as unknown as StatusChecksService, silentLogger, { authenticator, ...timing });

/** Listens as the admin: the ids of the SIMs sold, in the order they arrived, and why the stream ended. */
async function listen(feed: EventFeed): Promise<{ sold: number[]; ended: string[] }> {
  const heard = { sold: [] as number[], ended: [] as string[] };
  await feed.subscribe(
    admin,
    (event, data) => event === 'simcard.sold' && heard.sold.push((data as { simcard: { id: number } }).simcard.id),
    {
      credential,
      end: (reason) => heard.ended.push(reason),
    },
  );
  return heard;
}

/** A SIM of a shop, sold: its id. */
async function sellOne(): Promise<number> {
  const shop = await api.createShop();
  const iccid = await logSale(api, shop.id);
  return ((await api.db('simcards').where({ iccid }).first('id')) as { id: number }).id;
}

test('a sale is sent once to a listener who came back while a poll was running', async () => {
  const feed = feedWith(auth.authenticator, { intervalMs: 1, recheckMs: 60_000 });
  try {
    // Listeners come and go while polls run, as reloads and reconnects do.
    for (let i = 0; i < 60; i++) {
      const leave = await feed.subscribe(admin, () => {}, { credential, end: () => {} });
      await sleep(i % 4);
      leave();
    }
    const { sold } = await listen(feed);
    const sims = [];
    for (let i = 0; i < 5; i++) {
      sims.push(await sellOne());
      await sleep(20);
    }
    await sleep(500);
    for (const id of sims) expect(sold.filter((s) => s === id)).toHaveLength(1);
  } finally {
    await feed.close();
  }
});

test('while a stream cannot be checked again, no sale reaches it; the sale arrives once the check works, and only once', async () => {
  // The real authenticator, whose lookup of many credentials fails while `failing` is set.
  let failing = false;
  const flaky = Object.create(auth.authenticator) as Authenticator;
  flaky.authenticateMany = (tokens) =>
    failing ? Promise.reject(new Error('database unavailable')) : auth.authenticator.authenticateMany(tokens);
  const feed = feedWith(flaky, { intervalMs: 20, recheckMs: 1 });
  try {
    const heard = await listen(feed);
    failing = true;
    const id = await sellOne();
    await sleep(400); // ~20 polls, each with a failed check
    expect(heard.sold).toEqual([]);
    expect(heard.ended).toEqual([]);
    expect(feed.size).toBe(1);

    failing = false;
    for (let i = 0; i < 100 && heard.sold.length === 0; i++) await sleep(20);
    await sleep(200);
    expect(heard.sold).toEqual([id]);
    expect(heard.ended).toEqual([]);
  } finally {
    await feed.close();
  }
});
