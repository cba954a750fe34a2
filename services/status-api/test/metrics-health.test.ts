import type { HttpProvider } from '../src/provider/http-provider.js';
import { Testbed } from './support/testbed.js';

let bed: Testbed;
let shop: any;
beforeAll(async () => {
  bed = await Testbed.start({ PROVIDER_TIMEOUT_MS: '300' });
  shop = await bed.createShop();
});
afterAll(() => bed.close());

const breaker = () => (bed.status!.provider as HttpProvider).breaker;

async function metricsText(): Promise<string> {
  const res = await fetch(`${bed.statusUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('status API /health', () => {
  test('is 200 with the breaker closed; data_stale is null with the auto-check off', async () => {
    const res = await bed.call('GET', `${bed.statusUrl}/health`, undefined, null);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      failing: [],
      checks: { database: { status: 'ok' }, provider: { status: 'ok', breaker: 'closed' } },
      data_stale: null,
    });
  });

  test('turns degraded (still 200) naming the provider and since when while the operator keeps failing, and recovers', async () => {
    await bed.setProvider({ error_rate: 1 });
    try {
      for (let i = 0; i < 3 && breaker().state !== 'open'; i++) {
        const sim = await bed.createSim({ shop_id: shop.id });
        await bed.call('GET', `${bed.statusUrl}/simcards/${sim.iccid}/status`);
      }
      const res = await bed.call('GET', `${bed.statusUrl}/health`, undefined, null);
      // This instance still serves (runs wait, lists answer): 503 is for its database only.
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'degraded',
        failing: ['provider'],
        checks: { provider: { status: 'failing', breaker: 'open' } },
      });
      const since = res.body.checks.provider.since;
      expect(Date.parse(since)).toBe(breaker().downSince);

      // The main API names the operator's breaker too, with the same since, and stays 200.
      const main = await bed.call('GET', `${bed.main.url}/health`, undefined, null);
      expect(main.status).toBe(200);
      expect(main.body).toMatchObject({
        status: 'degraded',
        failing: ['provider'],
        checks: {
          database: { status: 'ok' },
          status_api: { status: 'ok', health: 'degraded' },
          provider: { status: 'failing', since, breaker: 'open', reported_by: 'status_api' },
        },
      });
      expect((await bed.call('GET', `${bed.main.url}/health/ready`, undefined, null)).status).toBe(200);
      expect((await bed.call('GET', `${bed.statusUrl}/health/ready`, undefined, null)).body).toEqual({ status: 'ok', database: 'ok' });

      const text = await metricsText();
      expect(sample(text, 'provider_breaker_state', { state: 'open' })).toBe(1);
      expect(sample(text, 'provider_breaker_state', { state: 'closed' })).toBe(0);
      expect(sample(text, 'provider_check_failures_total', { failure: 'provider_error' })).toBeGreaterThanOrEqual(1);
    } finally {
      await bed.setProvider({});
      breaker().reset();
    }
    const healed = await bed.call('GET', `${bed.statusUrl}/health`, undefined, null);
    expect(healed.body).toMatchObject({ status: 'ok', failing: [] });
    expect((await bed.call('GET', `${bed.main.url}/health`, undefined, null)).body).toMatchObject({ status: 'ok', failing: [] });
  });

  test('/health/live answers while the process runs; /health/ready while the database answers', async () => {
    expect(await bed.call('GET', `${bed.statusUrl}/health/live`, undefined, null)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await bed.call('GET', `${bed.statusUrl}/health/ready`, undefined, null)).toEqual({
      status: 200,
      body: { status: 'ok', database: 'ok' },
    });
  });

  test('the main API reports the status API reachable', async () => {
    const res = await bed.call('GET', `${bed.main.url}/health`, undefined, null);
    expect(res.body.checks.status_api).toMatchObject({ status: 'ok', health: 'ok' });
  });
});

describe('status API /metrics', () => {
  test('times provider checks by outcome and requests by route template', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    expect((await bed.call('GET', `${bed.statusUrl}/simcards/${sim.iccid}/status`)).status).toBe(200);
    const text = await metricsText();
    expect(sample(text, 'provider_check_duration_seconds_count', { outcome: 'inactive', service: 'status-api' })).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'http_request_duration_seconds_count', { route: '/simcards/{iccid}/status', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(`route="/simcards/${sim.iccid}/status"`);
    expect(text).toMatch(/^db_pool_connections\{state="used",service="status-api"\} \d+$/m);
  });

  test('counts check runs by status from the database, with the age of the last completed one', async () => {
    await bed.createSim({ shop_id: shop.id });
    const run = (await bed.call('POST', `${bed.statusUrl}/check-runs`, {})).body;
    expect((await bed.waitForRun(run.id)).status).toBe('completed');
    const text = await metricsText();
    expect(sample(text, 'check_runs', { status: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'check_runs', { status: 'running' })).toBe(0);
    expect(text).toMatch(/^check_run_last_success_age_seconds\{service="status-api"\} [\d.e-]+$/m);
    const health = await bed.call('GET', `${bed.statusUrl}/health`, undefined, null);
    expect(health.body.last_check_run_age_seconds).toBeLessThan(60);
  });
});
