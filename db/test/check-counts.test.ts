/**
 * The check counters' write path (migration 1202): a group-commit batch adds its tally in its own
 * transaction, so the counts hold exactly the writes that committed; a failed batch's writes,
 * retried one by one, each bring their own; dealer days are exact ranges of quarter hours.
 */
import { type BatchTally, checkCountsRepository, WriteBatcher } from '@simcard/db';
import { useMigratedDatabase } from './support/migrated-database.js';

const state = useMigratedDatabase();
const db = () => state.dbs[0]!;
type Tally = checkCountsRepository.CheckTally;
const tally: BatchTally<Tally> = { start: () => new checkCountsRepository.CheckTally(), write: (trx, t) => t.write(trx) };
const key = { operator: 'ucell', shopId: 7, source: 'auto' as const, runId: 42 };

test('counts are exactly the committed writes, batched or retried one by one', async () => {
  const batcher = new WriteBatcher<Tally>(db(), 200, tally);
  const at = '2026-12-02T19:07:00.000Z';
  const ok = (i: number) =>
    batcher.run(async (trx, t) => {
      await trx('app_settings').insert({ key: `cc-${i}`, value: 'x' });
      t.add(at, key, { made: 1, answered: 1, changed: i % 2 });
    });
  // One write fails after counting: its batch rolls back, and is retried one by one without it.
  const bad = () =>
    batcher.run(async (trx, t) => {
      t.add(at, key, { made: 1, failed: 1 });
      await trx('app_settings').insert({ key: 'cc-0', value: 'a duplicate key' });
    });
  const results = await Promise.allSettled([ok(0), ok(1), ok(2), bad(), ok(3)]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  expect(await checkCountsRepository.totals(db(), { runId: 42 })).toEqual({ made: 4, answered: 4, changed: 2, failed: 0 });
  // Another batch adds to the same quarter hour's row.
  await batcher.run(async (_trx, t) => t.add('2026-12-02T19:14:59.999Z', key, { made: 1, failed: 1 }));
  expect(await checkCountsRepository.totals(db(), { runId: 42 })).toEqual({ made: 5, answered: 4, changed: 2, failed: 1 });
  const rows = await db()('check_counts').where({ run_key: 42 });
  expect(rows).toHaveLength(1);
});

test('a dealer day is a range of quarter hours: per-day totals split at the local midnight', async () => {
  const t = new checkCountsRepository.CheckTally();
  const k = { operator: null, shopId: null, source: 'manual' as const, runId: null };
  // Tashkent's 2026-11-10 runs from 2026-11-09T19:00Z to 2026-11-10T19:00Z.
  t.add('2026-11-09T18:59:59.999Z', k, { made: 1 });
  t.add('2026-11-09T19:00:00.000Z', k, { made: 2 });
  t.add('2026-11-10T18:59:59.999Z', k, { made: 4 });
  t.add('2026-11-10T19:00:00.000Z', k, { made: 8 });
  await t.write(db());
  const days = [
    { from: '2026-11-08T19:00:00.000Z', to: '2026-11-09T19:00:00.000Z' },
    { from: '2026-11-09T19:00:00.000Z', to: '2026-11-10T19:00:00.000Z' },
    { from: '2026-11-10T19:00:00.000Z', to: '2026-11-11T19:00:00.000Z' },
  ];
  expect((await checkCountsRepository.perRange(db(), days, { sources: ['manual'] })).map((c) => c.made)).toEqual([1, 6, 8]);
  expect((await checkCountsRepository.totals(db(), { ...days[1]!, sources: ['manual'] })).made).toBe(6);
  expect(checkCountsRepository.bucketOf('2026-11-09T19:14:59.999Z')).toBe('2026-11-09T19:00:00.000Z');
});

test("a check's quarter hour is its own, whatever time came before it: same minute, next quarter, another offset", async () => {
  const t = new checkCountsRepository.CheckTally();
  const k = { operator: null, shopId: null, source: 'manual' as const, runId: 77 };
  t.add('2026-11-09T19:14:10.000Z', k, { made: 1 });
  t.add('2026-11-09T19:14:59.999Z', k, { made: 2 }); // the same minute: the same bucket
  t.add('2026-11-09T19:15:00.000Z', k, { made: 4 }); // the next quarter hour
  // The digits of the minute before it, but 5 hours east of UTC: 14:15Z, another bucket.
  t.add('2026-11-09T19:15:30+05:00', k, { made: 8 });
  t.add('2026-11-09T19:15:31.000Z', k, { made: 16 });
  await t.write(db());
  const rows = (await db()('check_counts').where({ run_key: 77 }).orderBy('bucket_at')) as Array<{ bucket_at: unknown; made: number }>;
  expect(rows.map((r) => [new Date(r.bucket_at as string).toISOString(), Number(r.made)])).toEqual([
    ['2026-11-09T14:15:00.000Z', 8],
    ['2026-11-09T19:00:00.000Z', 3],
    ['2026-11-09T19:15:00.000Z', 20],
  ]);
});
