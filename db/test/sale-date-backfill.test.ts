/**
 * Migration 1201 on a database written before it (issue 12): sales then were dated by the check
 * that saw them (`sold_at`), with the operator's date kept in `activated_at` (or the check's time
 * again when the answer held none). The backfill dates each sale by its activation, keeps the
 * detection apart, re-credits the sale to the shop holding the SIM at activation, flags each
 * SIM's one sale in the log, and puts a once-sold SIM that went back to its shop back to sold.
 */
import { createDatabase, type Db, migrations } from '@simcard/db';
import { createTestDatabase, type TestDatabase } from '@simcard/db/testing';

const DAY = 86_400_000;
const T = Date.parse('2026-11-20T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const ms = (v: unknown) => new Date(v as string).getTime();

let database: TestDatabase;
let db: Db;
const at1201 = migrations.findIndex((m) => m.name.startsWith('2026-12-03-1201-'));

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.config);
  for (const m of migrations.slice(0, at1201)) await m.up(db);
});
afterAll(async () => {
  await db.destroy();
  await database.drop();
});

async function insertShop(code: string): Promise<number> {
  const [row] = await db('shops')
    .insert({ name: code, code, is_active: true, created_at: iso(T - 100 * DAY), updated_at: iso(T) })
    .returning('id');
  return typeof row === 'object' ? row.id : row;
}

async function insertSim(iccid: string, fields: Record<string, unknown>): Promise<number> {
  const [row] = await db('simcards')
    .insert({ iccid, created_at: iso(T - 90 * DAY), updated_at: iso(T), ...fields })
    .returning('id');
  return typeof row === 'object' ? row.id : row;
}

async function log(simId: number, from: string, to: string, at: number): Promise<void> {
  await db('status_check_logs').insert({
    simcard_id: simId,
    iccid: `x${simId}`,
    previous_status: from,
    new_status: to,
    changed: true,
    source: 'auto',
    checked_at: iso(at),
  });
}

test('sales are re-dated by activation, detection kept apart, credit and per-day counts follow', async () => {
  const [a, b] = [await insertShop('A'), await insertShop('B')];
  // Assigned to A ten days before the check, moved to B the day before, activated three days before (at A).
  const moved = await insertSim('8999800000000000011', {
    shop_id: b,
    status: 'sold',
    assigned_at: iso(T - DAY),
    activated_at: iso(T - 3 * DAY),
    provider_status: 'active',
  });
  await db('assignment_logs').insert([
    { simcard_id: moved, iccid: 'x', from_shop_id: null, to_shop_id: a, action: 'assigned', created_at: iso(T - 10 * DAY) },
    { simcard_id: moved, iccid: 'x', from_shop_id: a, to_shop_id: b, action: 'transferred', created_at: iso(T - DAY) },
  ]);
  await db('simcards')
    .where({ id: moved })
    .update({ sold_at: iso(T) });
  await log(moved, 'assigned', 'sold', T);
  // The operator gave no date: activated_at was the check's time.
  const undated = await insertSim('8999800000000000029', {
    shop_id: a,
    status: 'sold',
    assigned_at: iso(T - 5 * DAY),
    activated_at: iso(T + 1000),
  });
  await db('simcards')
    .where({ id: undated })
    .update({ sold_at: iso(T + 1000) });
  await log(undated, 'assigned', 'sold', T + 1000);
  // A date in the future of the check.
  const future = await insertSim('8999800000000000037', {
    shop_id: a,
    status: 'sold',
    assigned_at: iso(T - 5 * DAY),
    activated_at: iso(T + 2 * DAY),
  });
  await db('simcards')
    .where({ id: future })
    .update({ sold_at: iso(T + 2000) });
  await log(future, 'assigned', 'sold', T + 2000);
  // Sold, blocked, unblocked back to its shop (the old rule), then active again: one sale.
  const resold = await insertSim('8999800000000000045', {
    shop_id: a,
    status: 'assigned',
    assigned_at: iso(T - 5 * DAY),
    activated_at: iso(T - 2 * DAY),
  });
  await db('simcards')
    .where({ id: resold })
    .update({ sold_at: iso(T + 3000) });
  await log(resold, 'assigned', 'sold', T + 3000);
  await log(resold, 'sold', 'blocked', T + DAY);
  await log(resold, 'blocked', 'sold', T + 2 * DAY);
  await log(resold, 'sold', 'blocked', T + 3 * DAY);
  await log(resold, 'blocked', 'assigned', T + 4 * DAY);

  expect((await db('simcards').where({ id: moved }).first()).sold_shop_id).toBe(b);
  const daysBefore = await db('shop_sales_daily').where({ shop_id: b }).sum({ n: 'sold' }).first();
  expect(Number(daysBefore!.n)).toBe(1);

  await migrations[at1201]!.up(db);

  const row = await db('simcards').where({ id: moved }).first();
  expect(ms(row.sold_at)).toBe(T - 3 * DAY);
  expect(ms(row.sale_detected_at)).toBe(T);
  expect(row.sale_date_note).toBeNull();
  expect(row.sold_shop_id).toBe(a);
  const perShop = async (shop: number) =>
    Number((await db('shop_sales_daily').where({ shop_id: shop }).sum({ n: 'sold' }).first())!.n ?? 0);
  expect(await perShop(b)).toBe(0);
  expect(
    (
      await db('shop_sales_daily')
        .where({ shop_id: a, day: iso(T - 3 * DAY).slice(0, 10) })
        .first()
    )?.sold,
  ).toBe(1);

  const u = await db('simcards').where({ id: undated }).first();
  expect([ms(u.sold_at), ms(u.sale_detected_at)]).toEqual([T + 1000, T + 1000]);
  expect(u.sale_date_note).toMatch(/no activation date/);
  const f = await db('simcards').where({ id: future }).first();
  expect(ms(f.sold_at)).toBe(T + 2000);
  expect(f.sale_date_note).toMatch(/in the future/);

  const r = await db('simcards').where({ id: resold }).first();
  expect(r.status).toBe('sold');
  expect(ms(r.sold_at)).toBe(T - 2 * DAY);
  expect(ms(r.sale_detected_at)).toBe(T + 3000);
  const flags = (await db('status_check_logs').where({ simcard_id: resold }).orderBy('id').select('sale')).map(
    (l) => l.sale === true || l.sale === 1,
  );
  expect(flags).toEqual([true, false, false, false, false]);

  // And back down: the check's time again.
  await migrations[at1201]!.down(db);
  expect(ms((await db('simcards').where({ id: moved }).first()).sold_at)).toBe(T);
  await migrations[at1201]!.up(db);
});
