import { type Config, loadConfig, silentLogger } from '@simcard/common';
import { startMainApi } from '@simcard/main-api';
import { Testbed } from './support/testbed.js';

let bed: Testbed;
let shop: any;
beforeAll(async () => {
  bed = await Testbed.start();
  shop = await bed.createShop();
});
afterAll(() => bed.close());

describe('status checks through the main API', () => {
  test('GET /simcards/{id}/check-status answers the updated SIM and the check', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(sim.iccid, { status: 'active' });
    const res = await bed.call('GET', `${bed.main.url}/simcards/${sim.id}/check-status`);
    expect(res.status).toBe(200);
    expect(res.body.simcard).toMatchObject({ id: sim.id, status: 'sold', provider_status: 'active', shop_id: shop.id });
    expect(res.body.simcard.sold_at).not.toBeNull();
    expect(res.body.check).toMatchObject({ ok: true, changed: true, newly_sold: true });
  });

  test("staff check their own shop's SIMs only: another shop's is a 404", async () => {
    const other = await bed.createShop();
    const own = await bed.createSim({ shop_id: shop.id });
    const foreign = await bed.createSim({ shop_id: other.id });
    const token = await bed.staffToken(shop.id);
    expect((await bed.call('GET', `${bed.main.url}/simcards/${own.id}/check-status`, undefined, token)).status).toBe(200);
    expect((await bed.call('GET', `${bed.main.url}/simcards/${foreign.id}/check-status`, undefined, token)).status).toBe(404);
    expect((await bed.call('POST', `${bed.main.url}/simcards/auto-check`, {}, token)).status).toBe(403);
  });

  test('an operator failure comes back as 502/504 with its code', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setProvider({ error_rate: 1 });
    const res = await bed.call('GET', `${bed.main.url}/simcards/${sim.id}/check-status`);
    await bed.setProvider({});
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('provider_error');
  });

  test('POST /simcards/auto-check starts a run (202), and a second is a 409', async () => {
    await bed.createSim({ shop_id: shop.id });
    await bed.setProvider({ latency_ms: 100 });
    const first = await bed.call('POST', `${bed.main.url}/simcards/auto-check`, {});
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'running', trigger: 'manual' });
    const second = await bed.call('POST', `${bed.main.url}/simcards/auto-check`, {});
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('run_in_progress');
    await bed.waitForRun(first.body.id);
    await bed.setProvider({});
  });

  test('runs are read, cancelled and resumed through the main API; staff are refused', async () => {
    for (let i = 0; i < 5; i++) await bed.createSim({ shop_id: shop.id });
    await bed.setProvider({ latency_ms: 200 });
    const run = (await bed.call('POST', `${bed.main.url}/simcards/auto-check`, {})).body;
    const seen = await bed.call('GET', `${bed.main.url}/check-runs/${run.id}`);
    expect(seen).toMatchObject({ status: 200, body: { id: run.id, status: 'running' } });
    const cancelled = await bed.call('POST', `${bed.main.url}/check-runs/${run.id}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, body: { id: run.id, status: 'cancelled' } });
    const list = await bed.call('GET', `${bed.main.url}/check-runs?limit=2`);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ limit: 2, offset: 0 });
    expect(list.body.data[0].id).toBe(run.id);
    expect((await bed.call('GET', `${bed.main.url}/check-runs/999999`)).status).toBe(404);
    expect((await bed.call('POST', `${bed.main.url}/check-runs/${run.id}/cancel`)).status).toBe(409);
    const staff = await bed.staffToken(shop.id);
    expect((await bed.call('GET', `${bed.main.url}/check-runs`, undefined, staff)).status).toBe(403);
    await bed.setProvider({});
  });

  test('the service credential is not a way into the main API', async () => {
    const { TokenService } = await import('@simcard/common');
    const token = new TokenService('test-jwt-secret-that-is-at-least-32-bytes-long', 60).issueService('main-api');
    expect((await bed.call('GET', `${bed.main.url}/simcards`, undefined, token)).status).toBe(401);
    expect((await bed.call('GET', `${bed.statusUrl}/check-runs`, undefined, token)).status).toBe(200);
  });
});

describe('when the status API is down', () => {
  test('the main API answers 503 with a clear message within 2 seconds', async () => {
    const base = loadConfig({
      NODE_ENV: 'test',
      MAIN_API_PORT: '0',
      ADMIN_PASSWORD: 'admin-password-1',
      JWT_SECRET: 'test-jwt-secret-that-is-at-least-32-bytes-long',
      STATUS_API_URL: 'http://127.0.0.1:1',
    });
    const config: Config = { ...base, database: bed.database.config, auth: { ...base.auth, scryptLog2N: 10 } };
    const lonely = await startMainApi(config, silentLogger);
    try {
      const sim = await bed.createSim({ shop_id: shop.id });
      for (const [method, path] of [
        ['GET', `/simcards/${sim.id}/check-status`],
        ['POST', '/simcards/auto-check'],
        ['GET', '/check-runs'],
      ] as const) {
        const started = Date.now();
        const res = await bed.call(method, `${lonely.url}${path}`, method === 'POST' ? {} : undefined);
        expect(Date.now() - started).toBeLessThan(2000);
        expect(res.status).toBe(503);
        expect(res.body.error).toMatchObject({
          code: 'status_api_unavailable',
          message: expect.stringMatching(/status service is not reachable/),
        });
      }
    } finally {
      await lonely.close();
    }
  });
});
