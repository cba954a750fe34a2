/** The simulated operator: the provider contract, and the control endpoints tests and demos use. */
import { appendCheckDigit } from '@simcard/common';
import { startProviderSim, type RunningProviderSim } from '../src/index.js';

const TOKEN = 'sim-test-token';
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
    expect((await call('GET', `/simcards/${id}`)).body).toEqual({ iccid: id, status: 'active', msisdn: '998901234567', activated_at: '2026-11-20T10:00:00Z' });
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
    const res = fetch(`${sim.url}/simcards/${iccid()}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(300) });
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
});

describe('simulated sales', () => {
  test('SIMs seen inactive become active at sales_per_minute', () => {
    const seen = [iccid(), iccid(), iccid()];
    for (const id of seen) sim.state.lookup(id);
    sim.state.config = { ...quiet, sales_per_minute: 120 };
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
