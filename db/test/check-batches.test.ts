/**
 * A check run's write path in batches (issue 14): a batch's answers go in one UPDATE, its log
 * rows in one INSERT, and a run's writes linger a moment so that a batch holds more than a few.
 */
import {
  type BatchTally,
  checkRunsRepository,
  type SimcardRow,
  simcardsRepository,
  statusCheckLogsRepository,
  WriteBatcher,
} from '@simcard/db';
import { useMigratedDatabase } from './support/migrated-database.js';

const state = useMigratedDatabase();
const db = () => state.dbs[0]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sims(n: number, prefix: string): Promise<SimcardRow[]> {
  const out: SimcardRow[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await simcardsRepository.insert(db(), {
        iccid: `${prefix}${String(i).padStart(4, '0')}`,
        msisdn: null,
        operator: 'ucell',
        tariff: null,
        price: null,
        batch_id: null,
        shop_id: null,
        status: 'in_stock',
        assigned_at: null,
        notes: null,
      }),
    );
  }
  return out;
}

test('lingering writes share one transaction; a write that does not linger takes the queue at once', async () => {
  let transactions = 0;
  const counting: BatchTally<undefined> = { start: () => void transactions++, write: async () => {} };
  const batcher = new WriteBatcher<undefined>(db(), 200, counting);
  const write = (i: number, linger: number) =>
    batcher.run(async (trx) => {
      await trx('app_settings').insert({ key: `linger-${i}`, value: 'x' });
      return i;
    }, linger);
  // Three writes 10 ms apart, each willing to wait 300 ms: one batch.
  const first: Array<Promise<number>> = [];
  for (let i = 0; i < 3; i++) {
    first.push(write(i, 300));
    await sleep(10);
  }
  expect(await Promise.all(first)).toEqual([0, 1, 2]);
  expect(transactions).toBe(1);
  // A lingering write, then one that does not linger: both go at once, together.
  const started = Date.now();
  expect(await Promise.all([write(3, 5000), write(4, 0)])).toEqual([3, 4]);
  expect(Date.now() - started).toBeLessThan(4000);
  expect(transactions).toBe(2);
});

test('applyChecks writes the answers of SIMs unchanged since they were read, in one statement, and leaves out the others', async () => {
  const [a, b, c, d] = await sims(4, '8999800000000');
  // b changed after it was read: its answer is not applied over the change.
  await sleep(5);
  await simcardsRepository.update(db(), b!.id, { notes: 'edited meanwhile' });
  const at = new Date().toISOString();
  const rows = await simcardsRepository.applyChecks(
    db(),
    [a!, b!, c!, d!].map((s, i) => ({
      id: s.id,
      read_updated_at: s.updated_at,
      status: i === 2 ? 'blocked' : 'in_stock',
      provider_status: i === 2 ? 'blocked' : 'inactive',
      last_checked_at: at,
      // d's answer keeps what it was read with (provider_status null is not 'inactive', but `same`
      // says so): only its check time is written, so its provider_status stays as it was.
      same: i === 3,
    })),
  );
  expect(rows.map((r) => Number(r.id)).sort((x, y) => x - y)).toEqual([a!.id, c!.id, d!.id]);
  const stored = new Map((await db()('simcards').whereIn('id', [a!.id, b!.id, c!.id, d!.id])).map((r: SimcardRow) => [Number(r.id), r]));
  // What it answers of each is what the row holds now.
  for (const r of rows) {
    expect(new Date(r.updated_at).getTime()).toBe(new Date(stored.get(Number(r.id))!.updated_at).getTime());
    expect(new Date(r.last_checked_at).getTime()).toBe(new Date(at).getTime());
  }
  expect(stored.get(c!.id)).toMatchObject({ status: 'blocked', provider_status: 'blocked', last_check_error: null, iccid: c!.iccid });
  expect(stored.get(a!.id)).toMatchObject({ status: 'in_stock', provider_status: 'inactive' });
  expect(stored.get(d!.id)).toMatchObject({ status: 'in_stock', provider_status: null });
  expect(new Date(stored.get(d!.id)!.last_checked_at!).getTime()).toBe(new Date(at).getTime());
  expect(stored.get(b!.id)).toMatchObject({ provider_status: null, notes: 'edited meanwhile', last_checked_at: null });
  expect(new Date(stored.get(a!.id)!.updated_at).getTime()).toBeGreaterThan(new Date(a!.updated_at).getTime() - 1);
});

test('insertMany logs a SIM once per run and answers the SIMs it logged', async () => {
  const [a, b] = await sims(2, '8999800000001');
  const runId = (await checkRunsRepository.insertRunning(db(), { trigger: 'manual', include_sold: false, total: 2, created_by: null }))!.id;
  const row = (s: SimcardRow, runIdOf: number | null) => ({
    simcard_id: s.id,
    iccid: s.iccid,
    previous_status: 'in_stock',
    new_status: 'blocked',
    changed: true,
    error_message: null,
    source: 'auto' as const,
    run_id: runIdOf,
    response_ms: 5,
    checked_at: new Date().toISOString(),
    sale: false,
  });
  expect([...(await statusCheckLogsRepository.insertMany(db(), [row(a!, runId)]))]).toEqual([a!.id]);
  // a is logged by this run already: only b is written; outside a run nothing conflicts.
  const written = await statusCheckLogsRepository.insertMany(db(), [row(a!, runId), row(b!, runId), row(a!, null)]);
  expect([...written].sort((x, y) => x - y)).toEqual([a!.id, b!.id].sort((x, y) => x - y));
  const logged = await db()('status_check_logs').whereIn('simcard_id', [a!.id, b!.id]).select('simcard_id', 'run_id');
  expect(logged.filter((r) => r.run_id !== null)).toHaveLength(2);
  expect(logged.filter((r) => Number(r.simcard_id) === a!.id && r.run_id !== null)).toHaveLength(1);
  expect(logged.filter((r) => r.run_id === null)).toHaveLength(1);
});
