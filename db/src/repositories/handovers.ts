/**
 * Handover documents and their SIM lists (see the 1601 migration). Writes are set-based and
 * chunked like the bulk moves: a box of thousands of SIMs is a few statements.
 */
import type { Queryable } from '../connection.js';
import type { DbTimestamp, Page, PageRequest, SimcardRow } from '../rows.js';
import { countOf } from './query-helpers.js';

const CHUNK = 1000;

export type HandoverDirection = 'delivery' | 'return';
export type HandoverStatus = 'awaiting_confirmation' | 'confirmed' | 'confirmed_with_discrepancies';

export interface HandoverRow {
  id: number;
  number: string | null;
  direction: HandoverDirection;
  status: HandoverStatus;
  shop_id: number | null;
  shop_name: string;
  note: string | null;
  sim_count: number;
  missing_count: number;
  unexpected_count: number;
  created_by: number | null;
  created_by_name: string;
  created_at: DbTimestamp;
  confirmed_by: number | null;
  confirmed_by_name: string | null;
  confirmed_at: DbTimestamp | null;
}

export interface HandoverItemRow {
  simcard_id: number | null;
  iccid: string;
  expected: boolean;
  /** null until the receipt. */
  received: boolean | null;
  msisdn: string | null;
  operator: string | null;
}

export type NewHandover = Omit<
  HandoverRow,
  'id' | 'number' | 'missing_count' | 'unexpected_count' | 'confirmed_by' | 'confirmed_by_name' | 'confirmed_at' | 'status'
>;

/** Inserts the document (awaiting confirmation) and gives it its number, `HO-<year>-<id>`. */
export async function insert(db: Queryable, row: NewHandover): Promise<HandoverRow> {
  const [inserted] = await db('handovers')
    .insert({ ...row, status: 'awaiting_confirmation' satisfies HandoverStatus })
    .returning('id');
  const id = typeof inserted === 'object' ? (inserted as { id: number }).id : (inserted as number);
  const year = new Date(String(row.created_at)).getUTCFullYear();
  await db('handovers')
    .where({ id })
    .update({ number: `HO-${year}-${String(id).padStart(6, '0')}` });
  return (await findById(db, id))!;
}

export async function insertItems(
  db: Queryable,
  handoverId: number,
  items: ReadonlyArray<{ simcard_id: number | null; iccid: string; expected: boolean; received?: boolean | null }>,
): Promise<void> {
  for (let i = 0; i < items.length; i += CHUNK) {
    await db('handover_items').insert(items.slice(i, i + CHUNK).map((it) => ({ handover_id: handoverId, received: null, ...it })));
  }
}

export function findById(db: Queryable, id: number): Promise<HandoverRow | undefined> {
  return db<HandoverRow>('handovers').where({ id }).first();
}

/** The listed SIMs first, then the unexpected ones, each by ICCID; with the SIM's number and operator. */
export async function items(db: Queryable, handoverId: number): Promise<HandoverItemRow[]> {
  const rows = await db('handover_items as i')
    .leftJoin('simcards as s', 's.id', 'i.simcard_id')
    .where('i.handover_id', handoverId)
    .select('i.simcard_id', 'i.iccid', 'i.expected', 'i.received', 's.msisdn', 's.operator')
    .orderBy([{ column: 'i.expected', order: 'desc' }, { column: 'i.iccid' }]);
  // SQLite answers booleans as 0/1.
  return rows.map((r: Record<string, unknown>) => ({
    simcard_id: (r.simcard_id as number | null) ?? null,
    iccid: r.iccid as string,
    expected: Boolean(r.expected),
    received: r.received === null || r.received === undefined ? null : Boolean(r.received),
    msisdn: (r.msisdn as string | null) ?? null,
    operator: (r.operator as string | null) ?? null,
  }));
}

export interface HandoverFilter {
  shopId?: number | undefined;
  status?: HandoverStatus | undefined;
  direction?: HandoverDirection | undefined;
  /** Only those still awaiting confirmation. */
  unconfirmed?: boolean | undefined;
  /** Only those confirmed with missing or unexpected SIMs. */
  discrepancies?: boolean | undefined;
}

/** Newest first; unconfirmed ones oldest first (the longest-waiting on top). */
export async function list(db: Queryable, filter: HandoverFilter, page: PageRequest): Promise<Page<HandoverRow>> {
  const qb = db<HandoverRow>('handovers');
  if (filter.shopId !== undefined) qb.where('shop_id', filter.shopId);
  if (filter.status !== undefined) qb.where('status', filter.status);
  if (filter.direction !== undefined) qb.where('direction', filter.direction);
  if (filter.unconfirmed) qb.where('status', 'awaiting_confirmation' satisfies HandoverStatus);
  if (filter.discrepancies) qb.where('status', 'confirmed_with_discrepancies' satisfies HandoverStatus);
  const order = filter.unconfirmed ? 'asc' : 'desc';
  const [rows, total] = await Promise.all([
    qb
      .clone()
      .orderBy([
        { column: 'created_at', order },
        { column: 'id', order },
      ])
      .limit(page.limit)
      .offset(page.offset),
    countOf(qb.clone()),
  ]);
  return { rows, total };
}

export interface Receipt {
  /** Received ICCIDs of the document's own list. */
  received: readonly string[];
  /** Scanned ICCIDs the document does not list, with the SIM when we have one. */
  unexpected: ReadonlyArray<{ iccid: string; simcard_id: number | null }>;
  missingCount: number;
  status: HandoverStatus;
  userId: number | null;
  userName: string;
  at: string;
}

/** Marks what arrived (everything else listed as not received), adds the unexpected ones, closes the document. */
export async function recordReceipt(db: Queryable, handoverId: number, receipt: Receipt): Promise<void> {
  await db('handover_items').where({ handover_id: handoverId, expected: true }).update({ received: false });
  for (let i = 0; i < receipt.received.length; i += CHUNK) {
    await db('handover_items')
      .where({ handover_id: handoverId, expected: true })
      .whereIn('iccid', receipt.received.slice(i, i + CHUNK))
      .update({ received: true });
  }
  await insertItems(
    db,
    handoverId,
    receipt.unexpected.map((u) => ({ ...u, expected: false, received: true })),
  );
  await db('handovers').where({ id: handoverId }).update({
    status: receipt.status,
    missing_count: receipt.missingCount,
    unexpected_count: receipt.unexpected.length,
    confirmed_by: receipt.userId,
    confirmed_by_name: receipt.userName,
    confirmed_at: receipt.at,
  });
}

/** The listed ICCIDs of a handover. */
export function expectedIccids(db: Queryable, handoverId: number): Promise<string[]> {
  return db('handover_items').where({ handover_id: handoverId, expected: true }).pluck('iccid');
}

export type SimFacts = Pick<SimcardRow, 'id' | 'iccid' | 'status' | 'shop_id' | 'msisdn' | 'operator'>;

/** The SIMs with these ICCIDs (unlocked: a preview or a receipt only reads them). */
export async function simsByIccids(db: Queryable, iccids: readonly string[]): Promise<SimFacts[]> {
  const out: SimFacts[] = [];
  for (let i = 0; i < iccids.length; i += CHUNK) {
    out.push(
      ...(await db('simcards')
        .whereIn('iccid', iccids.slice(i, i + CHUNK))
        .select('id', 'iccid', 'status', 'shop_id', 'msisdn', 'operator')),
    );
  }
  return out;
}

/** The number and operator of SIMs by id, for a preview's list. */
export async function simsByIds(db: Queryable, ids: readonly number[]): Promise<SimFacts[]> {
  const out: SimFacts[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    out.push(
      ...(await db('simcards')
        .whereIn('id', ids.slice(i, i + CHUNK))
        .select('id', 'iccid', 'status', 'shop_id', 'msisdn', 'operator')),
    );
  }
  return out;
}

/** Of these ICCIDs, the ones we hold, optionally only at one shop (suggestions for a mistyped ICCID). */
export async function existingIccids(
  db: Queryable,
  iccids: readonly string[],
  shopId: number | null,
): Promise<Array<{ id: number; iccid: string }>> {
  if (iccids.length === 0) return [];
  const out: Array<{ id: number; iccid: string }> = [];
  for (let i = 0; i < iccids.length; i += CHUNK) {
    const qb = db('simcards')
      .whereIn('iccid', iccids.slice(i, i + CHUNK))
      .select('id', 'iccid');
    if (shopId !== null) qb.where('shop_id', shopId);
    out.push(...(await qb));
  }
  return out;
}
