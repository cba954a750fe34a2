import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpProvider } from '../src/provider/http-provider.js';
import { Testbed } from './support/testbed.js';

let bed: Testbed;
let shop: any;
beforeAll(async () => {
  bed = await Testbed.start({ PROVIDER_TIMEOUT_MS: '300' });
  shop = await bed.createShop();
});
afterAll(() => bed.close());
afterEach(async () => {
  await bed.setProvider({});
  // Each test starts with the breaker closed; the breaker's own test below opens it on purpose.
  (bed.status!.provider as HttpProvider).breaker.reset();
});

async function check(iccid: string) {
  return bed.call('GET', `${bed.statusUrl}/simcards/${iccid}/status`);
}
const row = (iccid: string) => bed.db('simcards').where({ iccid }).first();
const errorLogs = (iccid: string) => bed.db('status_check_logs').where({ iccid }).whereNotNull('error_message');

describe('when the operator fails, the SIM is unchanged and the failure is logged', () => {
  test('a timeout answers 504 provider_timeout within the deadline and its retries', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setProvider({ timeout_rate: 1 });
    const started = Date.now();
    const res = await check(sim.iccid);
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('provider_timeout');
    // 3 attempts of 300 ms plus backoff: well under the 10 s default.
    expect(Date.now() - started).toBeLessThan(5000);
    const stored = await row(sim.iccid);
    expect(stored).toMatchObject({ status: 'assigned', provider_status: null });
    expect(stored.last_check_error).toMatch(/provider_timeout/);
    expect(await errorLogs(sim.iccid)).toHaveLength(1);
  });

  test('5xx answers are retried, then 502 provider_error', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.sim('POST', '/_sim/reset');
    await bed.setProvider({ error_rate: 1 });
    const res = await check(sim.iccid);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('provider_error');
    const stats = (await bed.sim('GET', '/_sim/stats')).body;
    expect(stats).toMatchObject({ requests: 3, answered: { error: 3 } }); // the first attempt and two retries
    expect((await row(sim.iccid)).provider_status).toBeNull();
  });

  test('garbage instead of JSON is a 502 provider_bad_answer, never a status change', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(sim.iccid, { status: 'active' });
    await bed.setProvider({ garbage_rate: 1 });
    const res = await check(sim.iccid);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('provider_bad_answer');
    expect(await row(sim.iccid)).toMatchObject({ status: 'assigned', provider_status: null, sold_at: null });
  });

  test('while the breaker is open a check is not made: 503 circuit_open with Retry-After, from both APIs, and the SIM is unchanged', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setProvider({ error_rate: 1 });
    const breaker = (bed.status!.provider as HttpProvider).breaker;
    for (let i = 0; i < 5 && breaker.state !== 'open'; i++) await check(sim.iccid);
    expect(breaker.state).toBe('open');
    await bed.sim('POST', '/_sim/reset');

    const headers = { authorization: `Bearer ${bed.adminToken}` };
    for (const url of [`${bed.statusUrl}/simcards/${sim.iccid}/status`, `${bed.main.url}/simcards/${sim.id}/check-status`]) {
      const res = await fetch(url, { headers });
      const body = (await res.json()) as { error: { code: string } };
      expect({ url, status: res.status, code: body.error.code, retryAfter: res.headers.get('retry-after') }).toEqual({
        url,
        status: 503,
        code: 'circuit_open',
        retryAfter: expect.stringMatching(/^\d+$/),
      });
    }
    // The operator was not asked; the SIM is unchanged.
    expect((await bed.sim('GET', '/_sim/stats')).body.requests).toBe(0);
    expect(await row(sim.iccid)).toMatchObject({ status: 'assigned', provider_status: null });
  });

  test('after a failure, a good answer clears last_check_error', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setProvider({ error_rate: 1 });
    await check(sim.iccid);
    await bed.setProvider({});
    const res = await check(sim.iccid);
    expect(res.status).toBe(200);
    expect(res.body.simcard.last_check_error).toBeNull();
  });
});

describe('a hostile operator', () => {
  let hostile: Server;
  let mode = 'redirect';
  let hostileBed: Testbed;
  beforeAll(async () => {
    hostile = createServer((req, res) => {
      const iccid = req.url!.split('/').pop();
      if (mode === 'redirect') res.writeHead(302, { location: 'http://127.0.0.1:1/' }).end();
      else if (mode === 'huge')
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ iccid, status: 'active', pad: 'x'.repeat(200_000) }));
      else if (mode === 'drip') {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => res.write(' '), 50);
        res.on('close', () => clearInterval(timer));
      } else if (mode === 'wrong-iccid')
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ iccid: '8999801000000000014', status: 'active' }));
      else if (mode === 'bad-status')
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ iccid, status: 'sold' }));
    });
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
    hostileBed = await Testbed.start({
      PROVIDER_URL: `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`,
      PROVIDER_TIMEOUT_MS: '400',
    });
  });
  afterAll(async () => {
    await hostileBed.close();
    hostile.closeAllConnections();
    await new Promise((r) => hostile.close(r));
  });

  test.each(['redirect', 'huge', 'drip', 'wrong-iccid', 'bad-status'])('%s: no crash, no status change, the failure logged', async (m) => {
    mode = m;
    // Each mode against the operator itself, not against a breaker the previous modes opened.
    (hostileBed.status!.provider as HttpProvider).breaker.reset();
    const shop = await hostileBed.createShop();
    const sim = await hostileBed.createSim({ shop_id: shop.id });
    const started = Date.now();
    const res = await hostileBed.call('GET', `${hostileBed.statusUrl}/simcards/${sim.iccid}/status`);
    expect([502, 504]).toContain(res.status);
    // A slow-drip body ends at the deadline (plus retries), not at undici's 300 s idle timer.
    expect(Date.now() - started).toBeLessThan(5000);
    const stored = await hostileBed.db('simcards').where({ iccid: sim.iccid }).first();
    expect(stored).toMatchObject({ status: 'assigned', provider_status: null, sold_at: null });
    expect(await hostileBed.db('status_check_logs').where({ iccid: sim.iccid }).whereNotNull('error_message')).toHaveLength(1);
  });
});
