/** The simulated operator: the provider contract, and the control endpoints tests and demos use. */
import { jest } from '@jest/globals';
import { appendCheckDigit } from '@simcard/common';
import { stableFraction } from '../src/app.js';
import { type RunningProviderSim, startProviderSim } from '../src/index.js';

const TOKEN = 'sim-test-token';
// The latency tests time real HTTP calls: a stall of the jest worker on a loaded machine can add
// 100 ms+ to one call. A failed attempt runs again; a real regression fails all three.
jest.retryTimes(2, { logErrorsBeforeRetry: true });
let sim: RunningProviderSim;
let n = 0;
const iccid = () => appendCheckDigit(`8999801${String(++n).padStart(11, '0')}`);

async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(3000),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text };
}

const quiet = { latency_ms: 0, error_rate: 0, timeout_rate: 0, garbage_rate: 0, sales_per_minute: 0 };

beforeAll(async () => {
  sim = await startProviderSim({ port: 0, token: TOKEN });
});
afterAll(() => sim.close());
beforeEach(() => sim.state.reset());

describe('the provider contract', () => {
  test('an ICCID it was never told about is inactive', async () => {
    const id = iccid();
    const res = await call('GET', `/simcards/${id}`);
    expect(res).toMatchObject({ status: 200, body: { iccid: id, status: 'inactive', msisdn: null, activated_at: null } });
  });

  test('a SIM set active, blocked or not_found answers so', async () => {
    const id = iccid();
    await call('PUT', `/_sim/simcards/${id}`, { status: 'active', msisdn: '998901234567', activated_at: '2026-11-20T10:00:00Z' });
    expect((await call('GET', `/simcards/${id}`)).body).toEqual({
      iccid: id,
      status: 'active',
      msisdn: '998901234567',
      activated_at: '2026-11-20T10:00:00Z',
    });
    await call('PUT', `/_sim/simcards/${id}`, { status: 'blocked' });
    expect((await call('GET', `/simcards/${id}`)).body.status).toBe('blocked');
    await call('PUT', `/_sim/simcards/${id}`, { status: 'not_found' });
    expect((await call('GET', `/simcards/${id}`)).status).toBe(404);
  });

  test('without the bearer token the contract answers 401', async () => {
    expect((await call('GET', `/simcards/${iccid()}`, undefined, null)).status).toBe(401);
    expect((await call('GET', `/simcards/${iccid()}`, undefined, 'wrong')).status).toBe(401);
    expect((await call('PUT', '/_sim/config', quiet, 'wrong')).status).toBe(401);
  });

  test('a malformed ICCID is a 400, not a lookup', async () => {
    expect((await call('GET', '/simcards/12345')).status).toBe(400);
    expect((await call('GET', '/simcards/%E0%A4%A')).status).toBe(400);
    expect((await call('PUT', '/_sim/simcards/%ZZ', { status: 'active' })).status).toBe(400);
  });
});

describe('misbehaviour on demand', () => {
  test('error_rate 1 answers 500 and garbage_rate 1 answers invalid JSON', async () => {
    await call('PUT', '/_sim/config', { ...quiet, error_rate: 1 });
    expect((await call('GET', `/simcards/${iccid()}`)).status).toBe(500);
    await call('PUT', '/_sim/config', { ...quiet, garbage_rate: 1 });
    const garbage = await call('GET', `/simcards/${iccid()}`);
    expect(garbage.status).toBe(200);
    expect(() => JSON.parse(garbage.text)).toThrow();
  });

  test('timeout_rate 1 never answers', async () => {
    await call('PUT', '/_sim/config', { ...quiet, timeout_rate: 1 });
    const res = fetch(`${sim.url}/simcards/${iccid()}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(300),
    });
    await expect(res).rejects.toThrow();
    expect(sim.state.snapshotStats().answered.timeout).toBe(1);
  });

  test('latency delays the answer by at least latency_ms', async () => {
    await call('PUT', '/_sim/config', { ...quiet, latency_ms: 120 });
    const started = performance.now();
    await call('GET', `/simcards/${iccid()}`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  test('the stats count every request by how it was answered', async () => {
    await call('GET', `/simcards/${iccid()}`);
    await call('PUT', '/_sim/config', { ...quiet, error_rate: 1 });
    await call('GET', `/simcards/${iccid()}`);
    const stats = (await call('GET', '/_sim/stats')).body;
    expect(stats).toMatchObject({ requests: 2, answered: { ok: 1, error: 1 } });
  });

  test('the stats count calls per second of the clock and the most in flight at once', async () => {
    await call('PUT', '/_sim/config', { ...quiet, latency_ms: 150 });
    // Four at once, then one more after they are all answered.
    await Promise.all(Array.from({ length: 4 }, () => call('GET', `/simcards/${iccid()}`)));
    await call('GET', `/simcards/${iccid()}`);
    const stats = (await call('GET', '/_sim/stats')).body;
    expect(stats.in_flight_max).toBe(4);
    expect(stats.in_flight).toBe(0);
    const seconds = stats.calls_per_second.seconds as Array<{ at: string; calls: number }>;
    expect(seconds.reduce((sum, s) => sum + s.calls, 0)).toBe(5);
    expect(stats.calls_per_second.max).toBe(Math.max(...seconds.map((s) => s.calls)));
    for (const s of seconds) expect(Date.parse(s.at) % 1000).toBe(0);
  });

  test('calls are counted in the second of the clock they arrive in', () => {
    const res = { once: () => undefined };
    const second = Date.UTC(2026, 11, 3, 12, 0, 0);
    sim.state.callArrived(res, second + 999);
    sim.state.callArrived(res, second + 1000);
    sim.state.callArrived(res, second + 1500);
    expect(sim.state.snapshotStats().calls_per_second).toEqual({
      max: 2,
      seconds: [
        { at: '2026-12-03T12:00:00.000Z', calls: 1 },
        { at: '2026-12-03T12:00:01.000Z', calls: 2 },
      ],
    });
  });
});

describe('the faults of a real operator', () => {
  test('rate_limit_rate 1 answers 429 with the configured Retry-After', async () => {
    await call('PUT', '/_sim/config', { ...quiet, rate_limit_rate: 1, retry_after_s: 2 });
    const res = await fetch(`${sim.url}/simcards/${iccid()}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(3000),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    await res.text();
    expect(sim.state.snapshotStats().answered.rate_limited).toBe(1);
  });

  test('hang_body_rate 1 sends the headers, then a body that never ends', async () => {
    await call('PUT', '/_sim/config', { ...quiet, hang_body_rate: 1 });
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/simcards/${iccid()}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    const timer = setTimeout(() => controller.abort(), 300);
    await expect(res.text()).rejects.toThrow();
    clearTimeout(timer);
    expect(sim.state.snapshotStats().answered.hung_body).toBe(1);
  });

  test('reset_rate 1 tears the connection down without an answer', async () => {
    await call('PUT', '/_sim/config', { ...quiet, reset_rate: 1 });
    const err = await fetch(`${sim.url}/simcards/${iccid()}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: AbortSignal.timeout(3000),
    }).then(
      () => null,
      (e: Error) => e,
    );
    // fetch's own error (another realm's TypeError under jest), caused by the closed socket.
    expect(err?.message).toBe('fetch failed');
    expect(String((err as Error & { cause?: unknown }).cause)).not.toMatch(/abort|timeout/i);
    expect(sim.state.snapshotStats().answered.reset).toBe(1);
  });

  test('latency_per_sim keeps each SIM at its own latency within the spread', async () => {
    await call('PUT', '/_sim/config', { ...quiet, latency_ms: 0, latency_max_ms: 400, latency_per_sim: true });
    const timed = async (id: string) => {
      const started = performance.now();
      await call('GET', `/simcards/${id}`);
      return performance.now() - started;
    };
    const ids = Array.from({ length: 12 }, () => iccid());
    const own = ids.map((id) => stableFraction(id) * 400);
    // The SIMs differ between them…
    expect(Math.max(...own) - Math.min(...own)).toBeGreaterThan(100);
    // …and each call of a SIM takes at least its own latency (a busy machine only adds to it;
    // a latency drawn afresh per call would undercut a slow SIM's within a few calls).
    for (let round = 0; round < 3; round++) {
      const times = await Promise.all(ids.map(timed));
      for (const [i, t] of times.entries()) expect(t).toBeGreaterThanOrEqual(own[i]! - 2);
    }
  });

  test('a config without the new knobs still sets a whole config, the faults off', async () => {
    await call('PUT', '/_sim/config', { ...quiet, rate_limit_rate: 1 });
    const res = await call('PUT', '/_sim/config', quiet);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ...quiet,
      rate_limit_rate: 0,
      hang_body_rate: 0,
      reset_rate: 0,
      retry_after_s: 1,
      latency_per_sim: false,
    });
    expect((await call('PUT', '/_sim/config', { ...quiet, retry_after_s: -1 })).status).toBe(400);
  });
});

describe('simulated sales', () => {
  test('SIMs seen inactive become active at sales_per_minute', () => {
    const seen = [iccid(), iccid(), iccid()];
    for (const id of seen) sim.state.lookup(id);
    sim.state.config = { ...sim.state.config, ...quiet, sales_per_minute: 120 };
    const sold = sim.state.tickSales();
    expect(sold).toHaveLength(2);
    for (const id of sold) expect(sim.state.lookup(id)).toMatchObject({ status: 'active' });
    expect(sim.state.tickSales()).toHaveLength(1);
    expect(sim.state.tickSales()).toHaveLength(0);
  });
});

describe('control endpoints', () => {
  test('bad config and bad SIM bodies are 400s naming the field', async () => {
    const bad = await call('PUT', '/_sim/config', { ...quiet, error_rate: 2 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/error_rate/);
    expect((await call('PUT', '/_sim/config', '{nope')).status).toBe(400);
    expect((await call('PUT', `/_sim/simcards/${iccid()}`, { status: 'sold' })).status).toBe(400);
    expect((await call('PUT', '/_sim/config', { ...quiet, latency_ms: 50, latency_max_ms: 10 })).status).toBe(400);
  });

  test('reset forgets SIMs, config and stats', async () => {
    const id = iccid();
    await call('PUT', `/_sim/simcards/${id}`, { status: 'active' });
    await call('PUT', '/_sim/config', { ...quiet, latency_ms: 5 });
    await call('POST', '/_sim/reset');
    expect((await call('GET', '/_sim/config')).body.latency_ms).toBe(0);
    expect((await call('GET', `/simcards/${id}`)).body.status).toBe('inactive');
  });
});

describe('several operators in one process (issue 15)', () => {
  test('each /operators/{operator}/ path has its own SIMs, settings and stats', async () => {
    const id = iccid();
    await call('PUT', `/operators/beeline/_sim/simcards/${id}`, { status: 'active' });
    await call('PUT', '/operators/ucell/_sim/config', { ...quiet, error_rate: 1 });
    expect((await call('GET', `/operators/beeline/simcards/${id}`)).body.status).toBe('active');
    expect((await call('GET', `/simcards/${id}`)).body.status).toBe('inactive');
    expect((await call('GET', `/operators/ucell/simcards/${id}`)).status).toBe(500);
    expect((await call('GET', '/operators/beeline/_sim/stats')).body.answered).toMatchObject({ ok: 1, error: 0 });
    expect((await call('GET', '/operators/ucell/_sim/stats')).body.answered).toMatchObject({ ok: 0, error: 1 });
    await call('PUT', '/operators/ucell/_sim/config', quiet);
  });

  test('the batch-v1 gateway answers many ICCIDs per call in its own words, with X-Api-Key', async () => {
    const [a, b, c] = [iccid(), iccid(), iccid()];
    await call('PUT', `/operators/ucell/_sim/simcards/${a}`, { status: 'active', activated_at: '2026-11-30T09:05:00Z' });
    await call('PUT', `/operators/ucell/_sim/simcards/${b}`, { status: 'blocked' });
    const post = (key: string | null) =>
      fetch(`${sim.url}/operators/ucell/batch/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
        body: JSON.stringify({ iccids: [a, b, c] }),
      });
    expect((await post(null)).status).toBe(401);
    expect((await post('wrong')).status).toBe(401);
    const res = await post(TOKEN);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      items: [
        { icc: a, state: 'ACTIVE', phone: null, activated: Date.parse('2026-11-30T09:05:00Z') / 1000 },
        { icc: b, state: 'SUSPENDED', phone: null, activated: null },
        { icc: c, state: 'IDLE', phone: null, activated: null },
      ],
    });
  });
});
