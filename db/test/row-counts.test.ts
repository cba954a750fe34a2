/**
 * The status check log's row count that the database keeps (migration 0803) always equals
 * count(*), whoever inserts or deletes and however many rows at once; on PostgreSQL, appended
 * changes are folded without changing it, and concurrent log writers never wait on it.
 */
import { type Db, now, rowCountsRepository as rowCounts } from '@simcard/db';
import { testDialect } from '@simcard/db/testing';
import { useMigratedDatabase } from './support/migrated-database.js';

const postgresOnly = testDialect() === 'postgres' ? test : test.skip;

const database = useMigratedDatabase();
let db: Db;
beforeAll(() => {
  db = database.dbs[0]!;
});

const logRow = (i: number) => ({
  iccid: `899980000000000${String(i).padStart(5, '0')}`,
  source: 'manual',
  changed: false,
  checked_at: now(),
});

async function expectCountExact(): Promise<void> {
  const truth = (await db('status_check_logs').count({ n: '*' }).first()) as { n: unknown };
  expect(await rowCounts.count(db, 'status_check_logs')).toBe(Number(truth.n));
}

describe('the status check log row count kept by the database', () => {
  test('starts at the rows already there and follows single and multi-row inserts', async () => {
    await expectCountExact();
    await db('status_check_logs').insert(logRow(1));
    await db('status_check_logs').insert([2, 3, 4, 5].map(logRow));
    await expectCountExact();
    expect(await rowCounts.count(db, 'status_check_logs')).toBeGreaterThanOrEqual(5);
  });

  test('follows deletes, and a rolled-back insert leaves it as it was', async () => {
    await db('status_check_logs').insert([6, 7, 8].map(logRow));
    await db('status_check_logs')
      .whereIn(
        'iccid',
        [6, 7].map((i) => logRow(i).iccid),
      )
      .del();
    const before = await rowCounts.count(db, 'status_check_logs');
    await expect(
      db.transaction(async (trx) => {
        await trx('status_check_logs').insert([9, 10].map(logRow));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await rowCounts.count(db, 'status_check_logs')).toBe(before);
    await expectCountExact();
  });

  postgresOnly('many appended changes are folded by a read, and the count stays exact', async () => {
    await db.transaction(async (trx) => {
      for (let i = 100; i < 1_300; i++) await trx('status_check_logs').insert(logRow(i));
    });
    const stored = async () => Number(((await db('row_counts').count({ n: '*' }).first()) as { n: unknown }).n);
    expect(await stored()).toBeGreaterThan(1_200);
    await expectCountExact();
    expect(await stored()).toBe(1);
    await expectCountExact();
  });

  postgresOnly('log writers in concurrent transactions do not wait for each other on the count', async () => {
    const open = await db.transaction();
    try {
      await open('status_check_logs').insert(logRow(2_000));
      const other = db.transaction(async (trx) => {
        await trx.raw("set local lock_timeout = '2s'");
        await trx('status_check_logs').insert(logRow(2_001));
      });
      await expect(other).resolves.toBeUndefined();
    } finally {
      await open.rollback();
    }
    await expectCountExact();
  });
});
