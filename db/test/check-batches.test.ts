/**
 * A check run's write path in batches (issue 14): a batch's answers go in one UPDATE, its log
 * rows in one INSERT, and a run's writes linger a moment so that a batch holds more than a few.
 */
import {
  type BatchTally,
  checkCountsRepository,
  checkRunsRepository,
  type SimcardRow,
  simcardsRepository,
  statusCheckLogsRepository,
  WriteBatcher,
  writeTransaction,
} from '@simcard/db';
import { testDialect } from '@simcard/db/testing';
import { useMigratedDatabase } from './support/migrated-database.js';

const state = useMigratedDatabase();
const db = () => state.dbs[0]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sqliteOnly = testDialect() === 'sqlite' ? test : test.skip;

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

sqliteOnly("SQLite: a batch's UPDATE and counters' upsert are one statement text whatever the batch's size", async () => {
  // A run's batches vary in size (and in the shops their SIMs are in): a text per size is parsed anew nearly every batch.
  const texts = new Set<string>();
  const seen = (q: { sql: string }) => texts.add(q.sql);
  db().on('query', seen);
  try {
    let n = 0;
    for (const size of [1, 3, 7]) {
      const batch = await sims(size, `899980000010${size}`);
      const at = new Date().toISOString();
      const rows = await simcardsRepository.applyChecks(
        db(),
        batch.map((s, i) => ({
          id: s.id,
          read_updated_at: s.updated_at,
          status: 'in_stock' as const,
          provider_status: 'inactive',
          last_checked_at: at,
          same: i % 2 === 1,
        })),
      );
      expect(rows).toHaveLength(size);
      const tally = new checkCountsRepository.CheckTally();
      for (let shop = 0; shop < size; shop++) tally.add(at, { operator: 'ucell', shopId: shop, source: 'auto', runId: null }, { made: 1 });
      await tally.write(db());
      n += size;
    }
    const updates = [...texts].filter((t) => t.includes('update simcards set'));
    const upserts = [...texts].filter((t) => t.includes('insert into check_counts'));
    // Two shapes of the UPDATE (an answer that keeps the status, one that sets it), one upsert.
    expect(updates).toHaveLength(2);
    expect(upserts).toHaveLength(1);
    // Each group's row added once: shops 0–6 made 3, 2, 2, 1, 1, 1, 1 calls.
    expect((await checkCountsRepository.totals(db(), {})).made).toBe(n);
    expect((await checkCountsRepository.totals(db(), { shopId: 0 })).made).toBe(3);
  } finally {
    db().off('query', seen);
  }
});

test("a batch's statement of one text, kept prepared on its transaction's connection: each run answers its own rows, a failure rolls back", async () => {
  const [a, b] = await sims(2, '8999800000020');
  // The batches' updated_at must differ from the insert's (one millisecond apart would be the same lock).
  await sleep(5);
  const apply = (sim: SimcardRow, status: 'in_stock' | 'blocked') =>
    writeTransaction(db(), (trx) =>
      simcardsRepository.applyChecks(trx, [
        { id: sim.id, read_updated_at: sim.updated_at, status, provider_status: status, last_checked_at: new Date().toISOString() },
      ]),
    );
  // Two batches of the same shape (on SQLite, the second by the statement the first kept): each answers its SIM.
  expect((await apply(a!, 'blocked')).map((r) => Number(r.id))).toEqual([a!.id]);
  expect((await apply(b!, 'blocked')).map((r) => Number(r.id))).toEqual([b!.id]);
  // A stale read (a's lock moved on with its first answer) is left out, by the same statement.
  expect(await apply(a!, 'in_stock')).toEqual([]);
  // A batch that fails after its UPDATE takes the UPDATE with it.
  const fresh = (await simcardsRepository.findById(db(), b!.id))!;
  await expect(
    writeTransaction(db(), async (trx) => {
      await simcardsRepository.applyChecks(trx, [
        {
          id: fresh.id,
          read_updated_at: fresh.updated_at,
          status: 'in_stock',
          provider_status: 'x',
          last_checked_at: new Date().toISOString(),
        },
      ]);
      throw new Error('the batch fails');
    }),
  ).rejects.toThrow('the batch fails');
  expect(await simcardsRepository.findById(db(), b!.id)).toMatchObject({ status: 'blocked', provider_status: 'blocked' });
  expect(await db()('simcards').where({ id: a!.id }).first()).toMatchObject({ status: 'blocked' });
});
