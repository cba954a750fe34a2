/**
 * GET /logs/status-changes: every filter against a known set of log rows, newest first, paged;
 * staff see the logs of their shop's SIMs only.
 */
import { makeIccid, TestApi } from './support/harness.js';

let api: TestApi;
let shopA: number;
let shopB: number;
let staffA: string;
const sims: { id: number; iccid: string; shop: number | null }[] = [];

interface LogSpec {
  sim: number;
  status: string | null;
  error: string | null;
  source: 'manual' | 'bulk' | 'auto';
  run: number | null;
  minutesAgo: number;
}
const specs: LogSpec[] = [];
const ids: number[] = [];

const iso = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

beforeAll(async () => {
  api = await TestApi.start();
  shopA = (await api.createShop()).id;
  shopB = (await api.createShop()).id;
  staffA = (await api.createStaff(shopA)).token;
  const now = new Date().toISOString();
  for (const shop of [shopA, shopA, shopB, null]) {
    const iccid = makeIccid();
    const [row] = await api
      .db('simcards')
      .insert({
        iccid,
        shop_id: shop,
        status: shop === null ? 'in_stock' : 'assigned',
        assigned_at: shop === null ? null : now,
        created_at: now,
        updated_at: now,
      })
      .returning('id');
    sims.push({ id: typeof row === 'object' ? row.id : row, iccid, shop });
  }
  const runs = [];
  for (let r = 0; r < 2; r++) {
    const [row] = await api
      .db('check_runs')
      .insert({ status: 'completed', trigger: 'manual', started_at: now, finished_at: now, updated_at: now })
      .returning('id');
    runs.push(typeof row === 'object' ? row.id : row);
  }
  // 24 rows: each SIM × 6 checks, spread over two days, in every source, status and outcome.
  const statuses = ['assigned', 'sold', 'blocked', null];
  const sources = ['manual', 'bulk', 'auto'] as const;
  let k = 0;
  for (const [si] of sims.entries()) {
    for (let j = 0; j < 6; j++, k++) {
      const error = j % 4 === 3 ? 'provider timed out' : null;
      const source = sources[k % 3]!;
      specs.push({
        sim: si,
        status: error ? null : statuses[k % 3]!,
        error,
        source,
        run: source === 'auto' ? runs[j % 2]! : null,
        minutesAgo: k * 97 + 5,
      });
    }
  }
  for (const s of specs) {
    const sim = sims[s.sim]!;
    const [row] = await api
      .db('status_check_logs')
      .insert({
        simcard_id: sim.id,
        iccid: sim.iccid,
        previous_status: 'assigned',
        new_status: s.status,
        changed: s.status !== null && s.status !== 'assigned',
        error_message: s.error,
        source: s.source,
        run_id: s.run,
        response_ms: 10,
        checked_at: iso(s.minutesAgo),
      })
      .returning('id');
    ids.push(typeof row === 'object' ? row.id : row);
  }
});
afterAll(() => api.close());

/** The ids of the log rows matching `keep`, newest first (the smallest minutesAgo first). */
function expectedIds(keep: (s: LogSpec) => boolean): number[] {
  return specs
    .map((s, i) => ({ s, id: ids[i]! }))
    .filter(({ s }) => keep(s))
    .sort((a, b) => a.s.minutesAgo - b.s.minutesAgo)
    .map(({ id }) => id);
}

async function listIds(query: string, token?: string): Promise<{ ids: number[]; total: number }> {
  const res = await api.get(`/logs/status-changes?limit=500&${query}`, token === undefined ? {} : { token });
  expect(res.status).toBe(200);
  return { ids: res.body.data.map((r: { id: number }) => r.id), total: res.body.total };
}

describe('GET /logs/status-changes', () => {
  test('without filters: every row, newest first, with the SIM and its current shop', async () => {
    const { ids: got, total } = await listIds('');
    expect(got).toEqual(expectedIds(() => true));
    expect(total).toBe(specs.length);
    const res = await api.get('/logs/status-changes?limit=1');
    const first = specs.findIndex((s) => s.minutesAgo === Math.min(...specs.map((x) => x.minutesAgo)));
    expect(res.body.data[0]).toMatchObject({
      id: ids[first],
      simcard_id: sims[specs[first]!.sim]!.id,
      shop_id: sims[specs[first]!.sim]!.shop,
      source: specs[first]!.source,
    });
  });

  test('limit and offset page through, newest first', async () => {
    const all = expectedIds(() => true);
    const res = await api.get('/logs/status-changes?limit=5&offset=5');
    expect(res.body).toMatchObject({ total: all.length, limit: 5, offset: 5 });
    expect(res.body.data.map((r: { id: number }) => r.id)).toEqual(all.slice(5, 10));
  });

  test('shop_id: the logs of the SIMs that shop holds', async () => {
    expect((await listIds(`shop_id=${shopB}`)).ids).toEqual(expectedIds((s) => sims[s.sim]!.shop === shopB));
  });

  test('simcard_id and iccid', async () => {
    expect((await listIds(`simcard_id=${sims[1]!.id}`)).ids).toEqual(expectedIds((s) => s.sim === 1));
    const spaced = sims[2]!.iccid.replace(/(\d{4})/g, '$1 ');
    expect((await listIds(`iccid=${encodeURIComponent(spaced)}`)).ids).toEqual(expectedIds((s) => s.sim === 2));
  });

  test.each(['sold', 'blocked', 'assigned', 'in_stock'])('status=%s: the status the check found', async (status) => {
    expect((await listIds(`status=${status}`)).ids).toEqual(expectedIds((s) => s.status === status));
  });

  test.each(['manual', 'bulk', 'auto'])('source=%s', async (source) => {
    expect((await listIds(`source=${source}`)).ids).toEqual(expectedIds((s) => s.source === source));
  });

  test('run_id', async () => {
    const run = specs.find((s) => s.run !== null)!.run!;
    const got = await listIds(`run_id=${run}`);
    expect(got.ids).toEqual(expectedIds((s) => s.run === run));
    expect(got.ids.length).toBeGreaterThan(0);
  });

  test('errors_only=true: failed checks only; false: everything', async () => {
    expect((await listIds('errors_only=true')).ids).toEqual(expectedIds((s) => s.error !== null));
    expect((await listIds('errors_only=false')).total).toBe(specs.length);
  });

  test('from (inclusive) and to (exclusive) bound checked_at; offsets are accepted', async () => {
    const from = new Date(Date.now() - 1000 * 60_000);
    const to = new Date(Date.now() - 300 * 60_000);
    const q = `from=${encodeURIComponent(from.toISOString().replace('Z', '+00:00'))}&to=${encodeURIComponent(to.toISOString())}`;
    // The rows are at least 97 minutes apart: a few seconds of drift between here and the server cannot move one across a bound.
    expect((await listIds(q)).ids).toEqual(expectedIds((s) => s.minutesAgo <= 1000 && s.minutesAgo > 300));
  });

  test('filters combine', async () => {
    expect((await listIds(`shop_id=${shopA}&source=auto&errors_only=true`)).ids).toEqual(
      expectedIds((s) => sims[s.sim]!.shop === shopA && s.source === 'auto' && s.error !== null),
    );
  });

  test("staff see the logs of their shop's SIMs only", async () => {
    const got = await listIds('', staffA);
    expect(got.ids).toEqual(expectedIds((s) => sims[s.sim]!.shop === shopA));
    expect(got.total).toBe(got.ids.length);
  });

  test("staff filtering by another SIM's id or ICCID get nothing", async () => {
    expect((await listIds(`simcard_id=${sims[2]!.id}`, staffA)).ids).toEqual([]);
    expect((await listIds(`iccid=${sims[3]!.iccid}`, staffA)).ids).toEqual([]);
  });

  test("staff asking for another shop's logs get 404; for their own, their logs", async () => {
    expect((await api.get(`/logs/status-changes?shop_id=${shopB}`, { token: staffA })).status).toBe(404);
    expect((await listIds(`shop_id=${shopA}`, staffA)).ids).toEqual(expectedIds((s) => sims[s.sim]!.shop === shopA));
  });

  test.each([
    ['status=active', 'status'],
    ['source=cron', 'source'],
    ['errors_only=yes', 'errors_only'],
    ['iccid=1234', 'iccid'],
    ['shop_id=abc', 'shop_id'],
    ['run_id=0', 'run_id'],
    ['from=yesterday', 'from'],
    ['to=2026-13-40', 'to'],
    ['from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', 'to'],
    ['limit=0', 'limit'],
    ['level=debug', 'level'],
  ])('bad query %s is a 400 naming %s', async (q, field) => {
    const res = await api.get(`/logs/status-changes?${q}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  test('without a token: 401', async () => {
    expect((await api.get('/logs/status-changes', { token: null })).status).toBe(401);
  });
});
