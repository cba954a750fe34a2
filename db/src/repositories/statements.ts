/**
 * Monthly statements: the kept sale commissions (migration 1701) summed over a month's range of
 * activation instants (the service turns the dealer's month into [from, to)), and the payments
 * made to shops. Every sum reads the (sold_at, shop_id, operator, amount, share) index alone.
 */
import type { Queryable } from '../connection.js';
import type { DbTimestamp } from '../rows.js';
import { now } from '../time.js';
import { num } from './sql-dates.js';

export interface Range {
  from: string;
  to: string;
}

export interface ShopTotalsRow {
  shop_id: number;
  name: string;
  code: string;
  is_active: boolean | number;
  activations: number;
  earned: number;
  share: number;
  paid: number;
}

export interface Totals {
  activations: number;
  earned: number;
  share: number;
}

const DAY_MS = 86_400_000;

/**
 * A range as the whole UTC days inside it (read from the per-day sums, migration 1702) and the
 * partial days at its edges (read from the sales themselves): exact for any time zone.
 */
function split(range: Range): { days: { from: string; to: string } | null; edges: Range[] } {
  const from = Date.parse(range.from);
  const to = Date.parse(range.to);
  const firstMidnight = Math.ceil(from / DAY_MS) * DAY_MS;
  const lastMidnight = Math.floor(to / DAY_MS) * DAY_MS;
  if (firstMidnight >= lastMidnight) return { days: null, edges: [range] };
  const iso = (ms: number) => new Date(ms).toISOString();
  const edges: Range[] = [];
  if (from < firstMidnight) edges.push({ from: range.from, to: iso(firstMidnight) });
  if (lastMidnight < to) edges.push({ from: iso(lastMidnight), to: range.to });
  return { days: { from: iso(firstMidnight).slice(0, 10), to: iso(lastMidnight).slice(0, 10) }, edges };
}

type Sums = Map<string, Totals>;

/** Sums per key (a shop id or an operator) over the range: the days' rows plus the edges' sales. */
async function sumsBy(db: Queryable, range: Range, by: 'shop' | 'operator'): Promise<Sums> {
  const { days, edges } = split(range);
  const key = by === 'shop' ? 'shop_id' : 'operator';
  const queries: Promise<Record<string, unknown>[]>[] = [];
  if (days) {
    queries.push(
      db(by === 'shop' ? 'commission_shop_daily' : 'commission_operator_daily')
        .select(`${key} as k`, db.raw('sum(activations) as activations'), db.raw('sum(amount) as earned'), db.raw('sum(share) as share'))
        .where('day', '>=', days.from)
        .where('day', '<', days.to)
        .groupBy(key) as Promise<Record<string, unknown>[]>,
    );
  }
  for (const edge of edges) {
    queries.push(
      db('sale_commissions')
        .select(
          db.raw(by === 'shop' ? 'coalesce(shop_id, 0) as k' : "coalesce(operator, '') as k"),
          db.raw('count(*) as activations'),
          db.raw('sum(amount) as earned'),
          db.raw('sum(share) as share'),
        )
        .where('sold_at', '>=', edge.from)
        .where('sold_at', '<', edge.to)
        .groupByRaw('1') as Promise<Record<string, unknown>[]>,
    );
  }
  const out: Sums = new Map();
  for (const rows of await Promise.all(queries)) {
    for (const r of rows) {
      const k = String(r.k);
      const t = out.get(k) ?? { activations: 0, earned: 0, share: 0 };
      t.activations += num(r.activations);
      t.earned += num(r.earned);
      t.share += num(r.share);
      out.set(k, t);
    }
  }
  return out;
}

/** Every shop (those without a sale too), with its month's sales, earnings, share and payments. */
export async function shopTotals(db: Queryable, range: Range, month: string, sums?: Sums): Promise<ShopTotalsRow[]> {
  const [bySHop, shops, paid] = await Promise.all([
    sums ?? sumsBy(db, range, 'shop'),
    db('shops').select('id', 'name', 'code', 'is_active').orderBy('id') as Promise<
      { id: number; name: string; code: string; is_active: boolean | number }[]
    >,
    db('statement_payments').select('shop_id', db.raw('sum(amount) as paid')).where('month', month).groupBy('shop_id') as Promise<
      Record<string, unknown>[]
    >,
  ]);
  const paidBy = new Map(paid.map((p) => [Number(p.shop_id), num(p.paid)]));
  return shops.map((shop) => {
    const t = bySHop.get(String(shop.id)) ?? { activations: 0, earned: 0, share: 0 };
    return {
      shop_id: Number(shop.id),
      name: shop.name,
      code: shop.code,
      is_active: shop.is_active,
      ...t,
      paid: paidBy.get(Number(shop.id)) ?? 0,
    };
  });
}

/** Sales credited to no shop (sold from stock): the dealer earns, nobody is owed a share. */
export async function unassignedTotals(db: Queryable, range: Range): Promise<Totals> {
  return (await sumsBy(db, range, 'shop')).get('0') ?? { activations: 0, earned: 0, share: 0 };
}

export interface OperatorTotalsRow extends Totals {
  operator: string | null;
}

/** The dealer's income per operator over the range: what the operator pays, what goes to shops. */
export async function operatorTotals(db: Queryable, range: Range): Promise<OperatorTotalsRow[]> {
  const sums = await sumsBy(db, range, 'operator');
  return [...sums.entries()]
    .filter(([, t]) => t.activations !== 0)
    .map(([k, t]) => ({ operator: k === '' ? null : k, ...t }))
    .sort((a, b) => (a.operator ?? '\uffff').localeCompare(b.operator ?? '\uffff'));
}

/** Every figure of a month at once: per shop (with payments), sold from stock, per operator. */
export async function month(
  db: Queryable,
  range: Range,
  monthKey: string,
): Promise<{ shops: ShopTotalsRow[]; unassigned: Totals; operators: OperatorTotalsRow[] }> {
  const [byShop, operators] = await Promise.all([sumsBy(db, range, 'shop'), operatorTotals(db, range)]);
  const shops = await shopTotals(db, range, monthKey, byShop);
  return { shops, unassigned: byShop.get('0') ?? { activations: 0, earned: 0, share: 0 }, operators };
}

export interface ShopLineRow extends Totals {
  operator: string | null;
  tariff: string | null;
  /** The commission per activation when all of the line's sales had the same, else null. */
  unit_amount: number | null;
}

/** One shop's month by operator and tariff. */
export async function shopLines(db: Queryable, shopId: number, range: Range): Promise<ShopLineRow[]> {
  const rows = (await db('sale_commissions')
    .select(
      'operator',
      'tariff',
      db.raw('count(*) as activations'),
      db.raw('sum(amount) as earned'),
      db.raw('sum(share) as share'),
      db.raw('min(amount) as min_amount'),
      db.raw('max(amount) as max_amount'),
    )
    .where('shop_id', shopId)
    .where('sold_at', '>=', range.from)
    .where('sold_at', '<', range.to)
    .groupBy('operator', 'tariff')
    .orderBy('operator')
    .orderBy('tariff')) as Record<string, unknown>[];
  return rows.map((r) => ({
    operator: (r.operator as string | null) ?? null,
    tariff: (r.tariff as string | null) ?? null,
    activations: num(r.activations),
    earned: num(r.earned),
    share: num(r.share),
    unit_amount: num(r.min_amount) === num(r.max_amount) ? num(r.min_amount) : null,
  }));
}

export interface ShopSaleRow {
  simcard_id: number;
  iccid: string;
  msisdn: string | null;
  operator: string | null;
  tariff: string | null;
  sold_at: DbTimestamp;
  amount: number;
  share: number;
}

/** One shop's sales in the range, oldest first (the statement's detail sheet). */
export function shopSales(db: Queryable, shopId: number, range: Range): Promise<ShopSaleRow[]> {
  return db('sale_commissions as c')
    .join('simcards as s', 's.id', 'c.simcard_id')
    .select('c.simcard_id', 's.iccid', 's.msisdn', 'c.operator', 'c.tariff', 'c.sold_at', 'c.amount', 'c.share')
    .where('c.shop_id', shopId)
    .where('c.sold_at', '>=', range.from)
    .where('c.sold_at', '<', range.to)
    .orderBy('c.sold_at')
    .orderBy('c.simcard_id');
}

export interface PaymentRow {
  id: number;
  shop_id: number;
  month: string;
  amount: number;
  paid_at: DbTimestamp;
  paid_by: number | null;
  paid_by_name: string;
  note: string | null;
  created_at: DbTimestamp;
}

export function payments(db: Queryable, shopId: number, month: string): Promise<PaymentRow[]> {
  return db<PaymentRow>('statement_payments').where({ shop_id: shopId, month }).orderBy('id');
}

export async function insertPayment(db: Queryable, p: Omit<PaymentRow, 'id' | 'created_at'>): Promise<PaymentRow> {
  const [row] = await db('statement_payments')
    .insert({ ...p, created_at: now() })
    .returning('*');
  return row as PaymentRow;
}

/** Per shop over all time: the shares earned and the payments made (money owed = the difference). */
export async function owedByShop(db: Queryable): Promise<Map<number, { share: number; paid: number }>> {
  const [shares, paid] = await Promise.all([
    // The per-day sums (migration 1702): about 60 rows a shop instead of every sale.
    db('commission_shop_daily').select('shop_id', db.raw('sum(share) as share')).where('shop_id', '>', 0).groupBy('shop_id') as Promise<
      Record<string, unknown>[]
    >,
    db('statement_payments').select('shop_id', db.raw('sum(amount) as paid')).groupBy('shop_id') as Promise<Record<string, unknown>[]>,
  ]);
  const out = new Map<number, { share: number; paid: number }>();
  for (const r of shares) out.set(Number(r.shop_id), { share: num(r.share), paid: 0 });
  for (const r of paid) {
    const id = Number(r.shop_id);
    out.set(id, { share: out.get(id)?.share ?? 0, paid: num(r.paid) });
  }
  return out;
}
