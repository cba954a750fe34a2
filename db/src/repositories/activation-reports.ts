/**
 * Operators' activation reports (migration 1501): the kept reports, their discrepancies, and the
 * sale a report makes. The sale follows a check's rules (status-api apply-answer.ts): a SIM has
 * one sale for life, so only a SIM never sold is sold here; its `sold_at` moves the shop credit
 * through the 0501/0504 triggers, and one `status_check_logs` row with `sale` true (source
 * `report`) is what the live feed announces.
 */
import { isSqlite, type Queryable } from '../connection.js';
import type { DbTimestamp, Page, PageRequest, SimcardRow } from '../rows.js';
import { countOf } from './query-helpers.js';

export interface ActivationReportRow {
  id: number;
  operator: string | null;
  file_name: string | null;
  format: string;
  uploaded_by: number | null;
  uploaded_by_name: string;
  uploaded_at: DbTimestamp;
  rows_total: number;
  sold_count: number;
  already_sold_count: number;
  discrepancy_count: number;
  /** JSON: discrepancies by kind. */
  counts: string;
}

export type NewActivationReport = Omit<ActivationReportRow, 'id'>;

export interface DiscrepancyRow {
  id: number;
  report_id: number;
  line: number;
  iccid: string | null;
  kind: string;
  simcard_id: number | null;
  /** JSON. */
  detail: string;
}

export type NewDiscrepancy = Omit<DiscrepancyRow, 'id' | 'report_id'>;

/** What a report is compared with and a sale announces: not the whole row (100,000 of them are held at once). */
export const SALE_COLUMNS = [
  'id',
  'iccid',
  'msisdn',
  'operator',
  'shop_id',
  'status',
  'activated_at',
  'sold_at',
  'sale_detected_at',
  'assigned_at',
] as const;
export type SaleSimcard = Pick<SimcardRow, (typeof SALE_COLUMNS)[number]>;

/** Whether any SIM of ours is this operator's (one index probe: simcards_operator_status). */
export async function hasOperator(db: Queryable, operator: string): Promise<boolean> {
  return (await db('simcards').where({ operator }).first('id')) !== undefined;
}

/** ICCIDs looked up per statement. */
const LOOKUP_CHUNK = 10_000;

/**
 * The SIMs of these ICCIDs: a statement per 10,000, the ICCIDs one JSON parameter, instead of one
 * per 500 bound values (200 statements compiled for a 100,000-row report).
 *
 * SQLite answers each statement's rows as one JSON text (`json_group_array`), parsed here: the
 * driver otherwise makes every row an object property by property in C++ on the main thread,
 * 1.7–2.1 s of CPU for 100,000 rows of these 10 columns against 0.5–0.9 s this way (in-process,
 * load 12). JSON keeps each value as SQLite has it (text dates, integer ids), as the driver did.
 */
export async function findByIccids(db: Queryable, iccids: string[]): Promise<SaleSimcard[]> {
  const found: SaleSimcard[] = [];
  const sqlite = isSqlite(db);
  const sql = sqlite
    ? `select json_group_array(json_object(${SALE_COLUMNS.map((c) => `'${c}', ${c}`).join(', ')})) as found
      from simcards where iccid in (select value from json_each(?))`
    : `select ${SALE_COLUMNS.join(', ')} from simcards where iccid in (select value from json_array_elements_text(?::json))`;
  for (let i = 0; i < iccids.length; i += LOOKUP_CHUNK) {
    const chunk = iccids.slice(i, i + LOOKUP_CHUNK);
    const rows = (await db.raw(sql, [JSON.stringify(chunk)])) as Array<{ found: string }> | { rows: SaleSimcard[] };
    const sims = Array.isArray(rows) ? (JSON.parse(rows[0]!.found) as SaleSimcard[]) : rows.rows;
    for (const row of sims) found.push(row);
  }
  return found;
}

/**
 * A discrepancy as `insert` takes it: one JSON array `[line, iccid, kind, simcard_id, detail]`.
 * A report may list 100,000 of them: held as one string each until stored, not as objects.
 */
export function discrepancyTuple(d: NewDiscrepancy): string {
  return JSON.stringify([d.line, d.iccid, d.kind, d.simcard_id, d.detail]);
}

/** Discrepancies stored per statement: one JSON parameter of ~0.5 MB. */
const DISCREPANCY_CHUNK = 2000;

/**
 * Stores the report and its discrepancies (each a `discrepancyTuple`), in the given order (their
 * ids are the list's order). A chunk is one statement with one JSON parameter, as the sale's
 * stage: knex's multi-row INSERT of 150 rows allocated 245 MB for a 100,000-discrepancy report.
 */
export async function insert(db: Queryable, report: NewActivationReport, discrepancies: readonly string[]): Promise<number> {
  const [row] = (await db('activation_reports').insert(report).returning('id')) as Array<{ id: number } | number>;
  const id = typeof row === 'number' ? row : row!.id;
  // In the array's order: SQLite's json_each and PostgreSQL's ordinality number the elements.
  const sql = isSqlite(db)
    ? `insert into activation_report_discrepancies (report_id, line, iccid, kind, simcard_id, detail)
      select ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 from json_each(?) order by key`
    : `insert into activation_report_discrepancies (report_id, line, iccid, kind, simcard_id, detail)
      select ?, (e ->> 0)::integer, e ->> 1, e ->> 2, (e ->> 3)::integer, e ->> 4
      from json_array_elements(?::json) with ordinality as j(e, n) order by n`;
  for (let i = 0; i < discrepancies.length; i += DISCREPANCY_CHUNK) {
    await db.raw(sql, [id, `[${discrepancies.slice(i, i + DISCREPANCY_CHUNK).join(',')}]`]);
  }
  return id;
}

/** A SIM to sell: never sold when the report was compared with our records. */
export interface ReportSale {
  id: number;
  /** The operator's activation date, a UTC instant. */
  soldAt: string;
}

export interface SaleOptions {
  /**
   * Given each chunk's SIMs as sold, inside the transaction (an outbox to fill): the rows are
   * read back only then, and held one chunk at a time.
   */
  onSold?: (rows: SaleSimcard[]) => Promise<void>;
}

/** SIMs sold per round of set statements: bounds the stage, the RETURNING rows and the statements' memory. */
const SALE_CHUNK = 5000;

/**
 * Sells the SIMs never sold before, each on its report date, and keeps the sale's bookkeeping,
 * a chunk of SIMs per round of set statements instead of a dozen trigger statements per SIM
 * (migration 1971 switches those row triggers off inside this transaction only):
 * the SIMs are staged, the ones sold meanwhile dropped (a check, or the same report at once:
 * never sold or announced again), then one UPDATE sells the rest with their credit (0501's rule:
 * the shop that held the SIM at the sale), and one statement each adds their per-day sales (0504),
 * SIM counters (0801, SQLite), commissions computed and kept (1701's rules) and their per-day
 * sums (1702), and the live-feed log rows (one `sale` row each, source `report`) with the log's
 * count (0803, SQLite). Must run inside a write transaction. Returns how many were sold; each
 * chunk's sold rows go to `onSold` when given.
 */
export async function recordSales(db: Queryable, sales: readonly ReportSale[], at: string, options: SaleOptions = {}): Promise<number> {
  // In id order: a chunk's SIMs then sit together in the table and in its id-ordered indexes, so
  // each chunk rewrites a few hundred neighbouring pages instead of touching every page of them.
  const unsold = sales.slice().sort((a, b) => a.id - b.id);
  if (unsold.length === 0) return 0;
  const sqlite = isSqlite(db);
  // The connection's own page cache (2 MB): a 32 MB one for this transaction took 22–30 MB more
  // peak RSS and no less CPU (3 rounds each, 2026-12-06: 2.92–3.02 s against 2.99–4.11 s a
  // 100,000-SIM report). In id order the SIMs' pages are read in turn; a page read again or
  // spilled comes from or goes to the OS's cache.
  await (sqlite
    ? db.raw('insert into report_sale_writes (id) values (1)')
    : db.raw("select set_config('simcard.report_sales', 'on', true)"));
  // PostgreSQL: no JIT for the report's statements. Their correlated subqueries (commission
  // rule and share, the last move) make the planner's cost estimate huge, so each statement of
  // each chunk was compiled: 0.3–0.9 s of JIT for a statement that runs in 0.1 s (auto_explain).
  if (!sqlite) await db.raw('set local jit = off');
  let sold = 0;
  for (let i = 0; i < unsold.length; i += SALE_CHUNK) {
    const chunk = await sellChunk(db, unsold.slice(i, i + SALE_CHUNK), at, sqlite, options.onSold !== undefined);
    sold += chunk.count;
    if (options.onSold && chunk.rows.length > 0) await options.onSold(chunk.rows);
  }
  await (sqlite ? db.raw('delete from report_sale_writes') : db.raw("select set_config('simcard.report_sales', 'off', true)"));
  return sold;
}

const DAY = { sqlite: (c: string) => `substr(${c}, 1, 10)`, pg: (c: string) => `to_char(${c} at time zone 'UTC', 'YYYY-MM-DD')` };
const DAYS = {
  sqlite: (a: string, b: string) => `coalesce(julianday(${a}) - julianday(${b}), 0)`,
  pg: (a: string, b: string) => `coalesce(extract(epoch from (${a} - ${b})) / 86400.0, 0)`,
};
const LAST_MOVE = (column: string, st: string) =>
  `(select ${column} from assignment_logs a where a.simcard_id = ${st}.simcard_id and a.created_at <= ${st}.sold_at order by a.created_at desc, a.id desc limit 1)`;
// Migration 1701's choice of rule and share, for the staged sale `st` (its SIM's operator and tariff kept with it).
const RULE_ID = `(select r.id from commission_rules r where r.active and r.operator = st.operator and (r.tariff is null or r.tariff = st.tariff)
  and r.from_at <= st.sold_at and (r.to_at is null or st.sold_at < r.to_at)
  order by case when r.tariff is null then 1 else 0 end, r.from_at desc, r.id desc limit 1)`;
const SHARE_ID = `(select sh.id from commission_shares sh where sh.active and sh.from_at <= st.sold_at and st.credit_shop is not null
  and (sh.shop_id = st.credit_shop or sh.shop_id is null)
  order by case when sh.shop_id is null then 1 else 0 end, sh.from_at desc, sh.id desc limit 1)`;

/** A chunk's sale: how many SIMs it sold, and their rows as sold if `wantRows`. */
async function sellChunk(
  db: Queryable,
  chunk: ReportSale[],
  at: string,
  sqlite: boolean,
  wantRows: boolean,
): Promise<{ count: number; rows: SaleSimcard[] }> {
  const d = sqlite ? 'sqlite' : 'pg';
  const staged = 'select simcard_id from report_sale_stage';
  // PostgreSQL: hold the SIMs (in id order, as every writer) so none is sold or moved meanwhile;
  // SQLite's write transaction already excludes every other writer. The ids as one array parameter.
  if (!sqlite)
    await db.raw('select id from simcards where id = any(?::integer[]) order by id for update', [idArray(chunk.map((s) => s.id))]);
  // The chunk (one JSON parameter: one statement, not a multi-row INSERT per 500, slow to compile
  // on SQLite) staged with what each SIM was and the shop credited with its sale (0501: the latest
  // move at or before it), in one statement read after the lock. A SIM sold meanwhile (a check,
  // or the same report at once) is not staged: never sold or announced again.
  const source = sqlite
    ? '(select value ->> 0 as simcard_id, value ->> 1 as sold_at from json_each(?))'
    : '(select (e ->> 0)::integer as simcard_id, (e ->> 1)::timestamptz as sold_at from json_array_elements(?::json) e)';
  // The shop credited (0501): the latest move at or before the sale, else the SIM's shop since it
  // was assigned. PostgreSQL reads that move once per SIM (a lateral join); SQLite, which has no
  // LATERAL, finds the move's id by one subquery and reads the move by its id. Four subqueries a
  // SIM before (whether there is one, then each of its two columns): this statement's CPU for
  // 100,000 SIMs halved (1.65–1.8 s → 0.85–0.88 s at load 14–18).
  const credit = sqlite
    ? {
        // CROSS JOIN keeps the chunk the outer loop: SQLite would otherwise walk every unsold SIM
        // by its sold_at index and look each up in the chunk.
        from: `cross join simcards s left join assignment_logs m on m.id = ${LAST_MOVE('id', 'j')}`,
        // A move's id is never null: null here means no move at or before the sale.
        shop: 'case when m.id is not null then m.to_shop_id else s.shop_id end',
        since: 'case when m.id is not null then m.created_at else s.assigned_at end',
      }
    : {
        from: `join simcards s on s.id = j.simcard_id left join lateral (select a.to_shop_id, a.created_at from assignment_logs a
            where a.simcard_id = j.simcard_id and a.created_at <= j.sold_at order by a.created_at desc, a.id desc limit 1) m on true`,
        // A move's created_at is never null: null here means no move at or before the sale.
        shop: 'case when m.created_at is not null then m.to_shop_id else s.shop_id end',
        since: 'coalesce(m.created_at, s.assigned_at)',
      };
  const stage = `insert into report_sale_stage (simcard_id, sold_at, prev_status, shop_id, operator, tariff, iccid, credit_shop, credit_since)
    select j.simcard_id, j.sold_at, s.status, s.shop_id, s.operator, s.tariff, s.iccid, ${credit.shop}, ${credit.since}
    from ${source} j ${credit.from}
    where s.id = j.simcard_id and s.sold_at is null`;
  const staging = JSON.stringify(chunk.map((s) => [s.id, s.soldAt]));
  // The sale's most costly statement: each SIM's entry moves in every index on a column it sets
  // (12 on SQLite). Those indexes stay: each serves a list sort or a statistic, and the import
  // pays them too, so dropping one moves the report/import ratio only where its cost to the sale
  // is more than twice its cost to the import (measured 2026-12-05: four of them dropped took 25–35 %
  // off this statement). The sale's columns in a table of their own would spare them (not made).
  const sell = `update simcards set status = 'sold', provider_status = 'active', sold_at = st.sold_at,
        activated_at = coalesce(simcards.activated_at, st.sold_at), sale_detected_at = ?, sale_date_note = null,
        sale_source = 'report', updated_at = ?, sold_shop_id = st.credit_shop, sold_shop_since = st.credit_since`;
  // The sold rows only when asked for (the outbox's announcements): else 5,000 rows of 10 columns
  // a chunk made into objects for nothing. PostgreSQL's statements below need the sold ids either way.
  const returning = wantRows ? `returning ${SALE_COLUMNS.map((c) => `simcards.${c}`).join(', ')}` : sqlite ? '' : 'returning simcards.id';
  const changes = async () => Number(((await db.raw('select changes() as n')) as Array<{ n: number }>)[0]!.n);
  let rows: SaleSimcard[] | { rows: SaleSimcard[] };
  let count: number;
  if (sqlite) {
    await db.raw(stage, [staging]);
    const stagedCount = await changes();
    if (stagedCount === 0) return { count: 0, rows: [] };
    // The staged ids drive the UPDATE (SQLite would otherwise walk every unsold SIM by its sold_at
    // index), each SIM found by its id: `+` keeps the sold_at test off simcards_sort_sold_at, an
    // index this UPDATE rewrites (1.5 % of the sale's SQLite instructions, callgrind, 2026-12-06).
    rows = (await db.raw(
      `${sell} from report_sale_stage st where st.simcard_id = simcards.id and +simcards.sold_at is null and simcards.id in (${staged}) ${returning}`,
      [at, at],
    )) as SaleSimcard[];
    count = wantRows ? rows.length : await changes();
    if (count !== stagedCount) throw new Error(`report sale: ${count} SIMs sold of ${stagedCount} staged`);
  } else {
    // PostgreSQL: staged and sold in one statement, the UPDATE joined to the rows the stage's
    // INSERT returns, not to the stage table. The stage's statistics are never right (its rows
    // live only inside a transaction: autovacuum sees it empty), and with them the planner once
    // drove this UPDATE by an index scan of simcards per staged row (13 s a chunk, EXPLAIN
    // ANALYZE); the INSERT's rows are estimated from its JSON function (100 rows): a nested loop
    // on the primary key. The SIMs are held and were staged only unsold, so every staged one sells.
    rows = (await db.raw(
      `with st as (${stage} returning simcard_id, sold_at, credit_shop, credit_since)
      ${sell} from st where st.simcard_id = simcards.id ${returning}`,
      [staging, at, at],
    )) as { rows: SaleSimcard[] };
    count = rows.rows.length;
  }
  const sold = Array.isArray(rows) ? rows : rows.rows;
  if (count === 0) return { count: 0, rows: [] };
  // The SIMs sold by this chunk, for the statements below: on PostgreSQL their ids as an array
  // (the primary keys drive each statement), on SQLite the stage.
  const soldIds = sqlite ? [] : [idArray(sold.map((s) => s.id))];
  const isSold = (column: string) => (sqlite ? `${column} in (${staged})` : `${column} = any(?::integer[])`);

  // Per-day sales of the credited shops (0504); their totals (0802) follow by trigger, a row per shop and day.
  await db.raw(`insert into shop_sales_daily (shop_id, day, sold, timed, days_sum)
    select credit_shop, ${DAY[d]('sold_at')}, count(*), count(credit_since), sum(${DAYS[d]('sold_at', 'credit_since')})
    from report_sale_stage where credit_shop is not null group by 1, 2
    on conflict (shop_id, day) do update set sold = shop_sales_daily.sold + excluded.sold,
      timed = shop_sales_daily.timed + excluded.timed, days_sum = shop_sales_daily.days_sum + excluded.days_sum`);
  if (sqlite) {
    // SIM counters (0801): PostgreSQL's statement trigger already counted the UPDATE.
    await db.raw(`update simcard_tallies set n = n - x.c
      from (select coalesce(shop_id, 0) as k, coalesce(operator, '') as o, prev_status as p, count(*) as c
        from report_sale_stage where prev_status is not 'sold' group by 1, 2, 3) x
      where simcard_tallies.shop_key = x.k and simcard_tallies.operator = x.o and simcard_tallies.status = x.p`);
    await db.raw(`insert into simcard_tallies (shop_key, operator, status, n)
      select coalesce(shop_id, 0), coalesce(operator, ''), 'sold', count(*) from report_sale_stage
      where prev_status is not 'sold' group by 1, 2
      on conflict (shop_key, operator, status) do update set n = simcard_tallies.n + excluded.n`);
  }
  // Commissions (1701): computed once from the rules in force at the sale, and kept.
  const share = sqlite
    ? "case when sh.id is null then 0 when sh.kind = 'percent' then cast(round(x.amount * sh.value / 100.0) as integer) else min(cast(sh.value as integer), x.amount) end"
    : "case when sh.id is null then 0 when sh.kind = 'percent' then round((x.amount * sh.value / 100.0)::numeric)::integer else least(sh.value::integer, x.amount) end";
  const computedAt = sqlite ? "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')" : 'now()';
  // A stale commission row of a SIM not sold (none is expected): its own triggers take it off the sums.
  await db.raw(`delete from sale_commissions where ${isSold('simcard_id')}`, soldIds);
  // The rule and the share in force are looked up once per distinct (operator, tariff, sale time)
  // and (credited shop, sale time) of the chunk, not per SIM: a report has a few dates and tariffs
  // for thousands of SIMs, and PostgreSQL ran the per-SIM subqueries five times a row (the rule's
  // for its id and again for its amount, the share's for its id and again for the join): 0.35 s of
  // a 0.42 s statement per 5,000 SIMs (EXPLAIN ANALYZE). A null key matches only a null key, as
  // the per-SIM subquery saw it; the joins compare plain values so that PostgreSQL can hash them.
  const same = (a: string, b: string, none: string) =>
    `(${a} is null) = (${b} is null) and coalesce(${a}, ${none}) = coalesce(${b}, ${none})`;
  await db.raw(`with rule_keys as materialized (
      select st.operator, st.tariff, st.sold_at, ${RULE_ID} as rule_id
      from (select distinct operator, tariff, sold_at from report_sale_stage) st
    ), share_keys as materialized (
      select st.credit_shop, st.sold_at, ${SHARE_ID} as share_id
      from (select distinct credit_shop, sold_at from report_sale_stage) st
    )
    insert into sale_commissions (simcard_id, shop_id, operator, tariff, sold_at, rule_id, amount, share_id, share, computed_at)
    select x.simcard_id, x.credit_shop, x.operator, x.tariff, x.sold_at, x.rule_id, x.amount, x.share_id,
      coalesce(${share}, 0), ${computedAt}
    from (select st.simcard_id, st.credit_shop, st.operator, st.tariff, st.sold_at, rk.rule_id, coalesce(r.amount, 0) as amount, sk.share_id
      from report_sale_stage st
      join rule_keys rk on ${same('rk.operator', 'st.operator', "''")} and ${same('rk.tariff', 'st.tariff', "''")} and rk.sold_at = st.sold_at
      join share_keys sk on ${same('sk.credit_shop', 'st.credit_shop', '0')} and sk.sold_at = st.sold_at
      left join commission_rules r on r.id = rk.rule_id) x
    left join commission_shares sh on sh.id = x.share_id`);
  // Their per-day sums (1702), by shop and by operator.
  for (const [table, key, value] of [
    ['commission_shop_daily', 'shop_id', 'coalesce(c.shop_id, 0)'],
    ['commission_operator_daily', 'operator', "coalesce(c.operator, '')"],
  ] as const) {
    await db.raw(
      `insert into ${table} (${key}, day, activations, amount, share)
      select ${value}, ${DAY[d]('c.sold_at')}, count(*), sum(c.amount), sum(c.share)
      from sale_commissions c where ${isSold('c.simcard_id')} group by 1, 2
      on conflict (${key}, day) do update set activations = ${table}.activations + excluded.activations,
        amount = ${table}.amount + excluded.amount, share = ${table}.share + excluded.share`,
      soldIds,
    );
  }
  // The live feed's rows: the SIM's one sale each (not a check source: the log's column allows it, 1501).
  await db.raw(
    `insert into status_check_logs (simcard_id, iccid, previous_status, new_status, changed, error_message, source, run_id, response_ms, checked_at, sale)
    select simcard_id, iccid, prev_status, 'sold', true, null, 'report', null, null, ?, true
    from report_sale_stage order by simcard_id`,
    [at],
  );
  if (sqlite) await db.raw("update row_counts set n = n + ? where table_name = 'status_check_logs'", [count]);
  await db('report_sale_stage').delete();
  return { count, rows: wantRows ? sold : [] };
}

/** Ids as one PostgreSQL array literal (`{1,2,3}`), bound as a single parameter. */
function idArray(ids: number[]): string {
  return `{${ids.join(',')}}`;
}

export async function list(db: Queryable, page: PageRequest): Promise<Page<ActivationReportRow>> {
  const qb = db<ActivationReportRow>('activation_reports');
  const [rows, total] = await Promise.all([
    qb.clone().select('*').orderBy('id', 'desc').limit(page.limit).offset(page.offset),
    countOf(qb.clone()),
  ]);
  return { rows: rows as ActivationReportRow[], total };
}

export function findById(db: Queryable, id: number): Promise<ActivationReportRow | undefined> {
  return db<ActivationReportRow>('activation_reports').where({ id }).first();
}

export async function discrepancies(db: Queryable, reportId: number, page: PageRequest, kind?: string): Promise<Page<DiscrepancyRow>> {
  const qb = db<DiscrepancyRow>('activation_report_discrepancies').where({ report_id: reportId });
  if (kind) qb.where({ kind });
  const [rows, total] = await Promise.all([
    qb.clone().select('*').orderBy('id').limit(page.limit).offset(page.offset),
    countOf(qb.clone()),
  ]);
  return { rows: rows as DiscrepancyRow[], total };
}
