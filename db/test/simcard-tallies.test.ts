/**
 * The SIM counters per (shop, operator, status) that the database keeps (migration 0801) always
 * equal a GROUP BY over the SIMs themselves, whoever writes and however: single and multi-row
 * inserts, upserts, moves between shops, status and operator changes, deletes, rolled-back
 * transactions; and on PostgreSQL, folding the appended changes keeps every figure.
 */
import { type Db, now, simcardTalliesRepository as tallies } from '@simcard/db';
import { testDialect } from '@simcard/db/testing';
import { useMigratedDatabase } from './support/migrated-database.js';

const postgresOnly = testDialect() === 'postgres' ? test : test.skip;

const database = useMigratedDatabase();
let db: Db;
beforeAll(() => {
  db = database.dbs[0]!;
});

let nextIccid = 8_999_800_000_000_000_000n;
let shopsMade = 0;

function sim(fields: { shop_id?: number | null; operator?: string | null; status?: string }) {
  const at = now();
  nextIccid += 1n;
  return { iccid: String(nextIccid), operator: 'beeline', status: 'in_stock', created_at: at, updated_at: at, ...fields };
}

async function createShops(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const at = now();
    shopsMade += 1;
    const [row] = await db('shops')
      .insert({ name: `Shop ${shopsMade}`, code: `T${shopsMade}`, created_at: at, updated_at: at })
      .returning('id');
    ids.push(typeof row === 'object' ? row.id : row);
  }
  return ids;
}

/** The truth: SIMs counted by (shop, operator, status) straight from the table, as "shop|operator|status" → n. */
async function counted(): Promise<Map<string, number>> {
  const rows: Record<string, any>[] = await db('simcards')
    .select('shop_id', 'operator', 'status')
    .count({ n: '*' })
    .groupBy('shop_id', 'operator', 'status');
  return new Map(rows.map((r) => [`${r.shop_id ?? 0}|${r.operator ?? ''}|${r.status}`, Number(r.n)]));
}

/** The counters, summed per group as readers sum them, zero groups left out. */
async function tallied(): Promise<Map<string, number>> {
  const rows: Record<string, any>[] = await db('simcard_tallies')
    .select('shop_key', 'operator', 'status')
    .sum({ n: 'n' })
    .groupBy('shop_key', 'operator', 'status');
  return new Map(rows.filter((r) => Number(r.n) !== 0).map((r) => [`${r.shop_key}|${r.operator}|${r.status}`, Number(r.n)]));
}

/** Counter rows as stored (on PostgreSQL, appended changes not folded yet are rows of their own). */
async function storedRows(): Promise<number> {
  return Number(((await db('simcard_tallies').count({ n: '*' }).first()) as { n: unknown }).n);
}

async function expectTalliesExact(): Promise<void> {
  expect(await tallied()).toEqual(await counted());
}

describe('SIM counters kept by the database', () => {
  test('single and multi-row inserts are counted per shop, operator and status', async () => {
    const [a, b] = await createShops(2);
    await db('simcards').insert(sim({}));
    await db('simcards').insert([
      sim({ shop_id: a, status: 'assigned' }),
      sim({ shop_id: a, status: 'assigned' }),
      sim({ shop_id: b, operator: 'ucell', status: 'sold' }),
      sim({ operator: null }),
    ]);
    await expectTalliesExact();
    expect(await tallies.count(db, { shopId: a })).toBe(2);
    expect(await tallies.count(db, { operator: null })).toBe(1);
  });

  test('moves between shops, status changes and operator corrections move the counts', async () => {
    const [a, b] = await createShops(2);
    const ids = (
      await db('simcards')
        .insert([sim({}), sim({}), sim({}), sim({})])
        .returning('id')
    ).map((r: any) => (typeof r === 'object' ? r.id : r));
    await db('simcards').whereIn('id', ids.slice(0, 3)).update({ shop_id: a, status: 'assigned' });
    await db('simcards').where('id', ids[0]).update({ shop_id: b });
    await db('simcards').where('id', ids[1]).update({ status: 'sold', sold_at: now() });
    await db('simcards').where('id', ids[3]).update({ operator: 'uzmobile' });
    await db('simcards').where('id', ids[2]).update({ shop_id: null, status: 'in_stock' });
    await expectTalliesExact();
  });

  test('a write that moves no SIM between groups changes no counter', async () => {
    await db('simcards').insert(sim({}));
    const before = await storedRows();
    await db('simcards').update({ last_checked_at: now(), notes: 'checked' });
    expect(await storedRows()).toBe(before);
    await expectTalliesExact();
  });

  test('deletes, including of many rows at once, are subtracted', async () => {
    const [a] = await createShops(1);
    await db('simcards').insert([
      sim({ shop_id: a, status: 'assigned', operator: 'mobiuz' }),
      sim({ shop_id: a, status: 'assigned', operator: 'mobiuz' }),
      sim({ operator: 'mobiuz' }),
    ]);
    await db('simcards').where('operator', 'mobiuz').del();
    await expectTalliesExact();
    expect(await tallies.count(db, { operator: 'mobiuz' })).toBe(0);
  });

  test('an upsert that updates the existing SIM counts it once', async () => {
    const row = sim({ operator: 'ucell' });
    await db('simcards').insert(row);
    await db('simcards')
      .insert({ ...row, operator: 'beeline' })
      .onConflict('iccid')
      .merge(['operator']);
    await db('simcards')
      .insert({ ...sim({}), iccid: row.iccid })
      .onConflict('iccid')
      .ignore();
    await expectTalliesExact();
  });

  test('a rolled-back transaction leaves the counters as they were', async () => {
    const before = await tallied();
    await expect(
      db.transaction(async (trx) => {
        await trx('simcards').insert([sim({}), sim({ status: 'blocked' })]);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await tallied()).toEqual(before);
    await expectTalliesExact();
  });

  test('totals by operator and status are read from the counters, for the dealer and for one shop', async () => {
    const [a] = await createShops(1);
    await db('simcards').insert([
      sim({ shop_id: a, status: 'assigned', operator: 'ucell' }),
      sim({ shop_id: a, status: 'sold', operator: 'ucell' }),
    ]);
    const shop = await tallies.countsByOperatorAndStatus(db, { shopId: a });
    expect(shop.sort((x, y) => x.status.localeCompare(y.status))).toEqual([
      { operator: 'ucell', status: 'assigned', count: 1 },
      { operator: 'ucell', status: 'sold', count: 1 },
    ]);
    const all = await tallies.countsByOperatorAndStatus(db);
    const truth: Record<string, any>[] = await db('simcards').select('operator', 'status').count({ n: '*' }).groupBy('operator', 'status');
    expect(new Map(all.map((g) => [`${g.operator}|${g.status}`, g.count]))).toEqual(
      new Map(truth.map((r) => [`${r.operator}|${r.status}`, Number(r.n)])),
    );
  });

  postgresOnly('folding the appended changes keeps every figure and leaves one row per group', async () => {
    const [a] = await createShops(1);
    const ids = (
      await db('simcards')
        .insert(Array.from({ length: 20 }, () => sim({})))
        .returning('id')
    ).map((r: any) => r.id);
    for (const id of ids) await db('simcards').where('id', id).update({ shop_id: a, status: 'assigned' });
    const before = await tallied();
    await tallies.fold(db);
    expect(await tallied()).toEqual(before);
    const groups = (await db('simcard_tallies')
      .countDistinct({ n: db.raw('(shop_key, operator, status)') })
      .first()) as { n: unknown };
    expect(await storedRows()).toBe(Number(groups.n));
    await expectTalliesExact();
  });

  postgresOnly('a dealer-wide read folds the counters once appended changes pile up', async () => {
    const ids = (
      await db('simcards')
        .insert(Array.from({ length: 3_000 }, () => sim({})))
        .returning('id')
    ).map((r: any) => r.id);
    // One statement per SIM, two groups each: 6,000 appended rows (one transaction: one commit to wait for).
    await db.transaction(async (trx) => {
      for (const id of ids) await trx('simcards').where('id', id).update({ status: 'blocked' });
    });
    const piled = await storedRows();
    await tallies.countsByOperatorAndStatus(db);
    expect(await storedRows()).toBeLessThan(piled / 10);
    await expectTalliesExact();
  });

  postgresOnly('writers do not wait for each other on the counters (an open import does not stall a sale)', async () => {
    const [sold] = (
      await db('simcards')
        .insert(sim({ operator: 'ucell' }))
        .returning('id')
    ).map((r: any) => r.id);
    const importer = await db.transaction();
    try {
      // Same group (stock, ucell, in_stock) as the SIM about to be sold, held open.
      await importer('simcards').insert(Array.from({ length: 50 }, () => sim({ operator: 'ucell' })));
      const sale = db.transaction(async (trx) => {
        await trx.raw("set local lock_timeout = '2s'");
        await trx('simcards').where('id', sold).update({ status: 'sold', sold_at: now() });
      });
      await expect(sale).resolves.toBeUndefined();
    } finally {
      await importer.rollback();
    }
    await expectTalliesExact();
  });
});
