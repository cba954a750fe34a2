/**
 * The rules for single SIM cards: identifiers normalized by the schemas, staff confined to their
 * shop (404 for any other) and to editing notes, moves through `planMove` and logged.
 */
import {
  ConflictError,
  dealerDayBounds,
  DEFAULT_TIME_ZONE,
  ForbiddenError,
  NotFoundError,
  operatorForMsisdn,
  type Principal,
  shopScope,
  ValidationError,
} from '@simcard/common';
import {
  assignmentLogsRepository,
  type Db,
  isUniqueViolation,
  now,
  type PageRequest,
  type Queryable,
  type SimcardRow,
  type SimcardSortColumn,
  simcardsRepository,
  type SimcardStatus,
  type SortRequest,
  violatedColumn,
  writeTransaction,
} from '@simcard/db';
import { recordAudit } from './audit.js';
import { requireActiveShop } from './shops.js';
import { recordEdit } from './simcard-edits.js';
import { isDeletable, planMove } from './simcard-lifecycle.js';

export interface SimcardListFilter {
  shop_id?: number | undefined;
  status?: SimcardStatus | undefined;
  operator?: string | undefined;
  batch_id?: string | undefined;
  q?: string | undefined;
  /** Days ('YYYY-MM-DD', whole days in the dealer's time zone) or ISO instants; both bounds inclusive. */
  sold_from?: string | undefined;
  sold_to?: string | undefined;
  assigned_from?: string | undefined;
  assigned_to?: string | undefined;
  created_from?: string | undefined;
  created_to?: string | undefined;
}

export interface CreateSimcardInput {
  iccid: string;
  msisdn?: string | null | undefined;
  operator?: string | null | undefined;
  tariff?: string | null | undefined;
  price?: number | null | undefined;
  batch_id?: string | null | undefined;
  shop_id?: number | null | undefined;
  notes?: string | null | undefined;
}

export type UpdateSimcardInput = Partial<Omit<CreateSimcardInput, 'iccid'>>;

/**
 * The list's filter as the repository takes it, confined to the principal's shop: staff asking
 * for another shop get 404, staff asking for none get their own. (Shared by the list and the export.)
 */
export function scopedFilter(
  principal: Principal,
  filter: SimcardListFilter,
  timeZone: string = DEFAULT_TIME_ZONE,
): simcardsRepository.SimcardFilter {
  const scope = shopScope(principal);
  if (scope !== null && filter.shop_id !== undefined && filter.shop_id !== scope) throw new NotFoundError('Shop');
  return {
    shopId: scope ?? filter.shop_id,
    status: filter.status,
    operator: filter.operator,
    batchId: filter.batch_id,
    q: filter.q,
    soldAt: instantRange(filter.sold_from, filter.sold_to, timeZone),
    assignedAt: instantRange(filter.assigned_from, filter.assigned_to, timeZone),
    createdAt: instantRange(filter.created_from, filter.created_to, timeZone),
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Inclusive bounds as the repository's range: a day bound covers its whole day in the dealer's
 * time zone (from its first instant; to before the next day's first), an instant is itself.
 */
function instantRange(from: string | undefined, to: string | undefined, timeZone: string): simcardsRepository.InstantRange | undefined {
  if (from === undefined && to === undefined) return undefined;
  const range: simcardsRepository.InstantRange = {};
  if (from !== undefined) range.from = DAY.test(from) ? dealerDayBounds(from, timeZone).from : from;
  if (to !== undefined) {
    if (DAY.test(to)) range.before = dealerDayBounds(to, timeZone).to;
    else range.until = to;
  }
  return range;
}

const sortName = (sort: SortRequest<SimcardSortColumn>) => `${sort.direction === 'desc' ? '-' : ''}${sort.column}`;

/**
 * The list's keyset cursor: base64url of JSON `{ s: sort, v: the last row's sort value, i: its
 * id }`. Opaque to clients; readable, since it holds nothing the page did not show.
 */
export function encodeCursor(sort: SortRequest<SimcardSortColumn>, key: simcardsRepository.SimcardKey): string {
  return Buffer.from(JSON.stringify({ s: sortName(sort), v: key.value, i: key.id })).toString('base64url');
}

/** Longest cursor taken: an ICCID's or a batch's value and an id fit in a fraction of it. */
const CURSOR_MAX = 512;
/** PostgreSQL's integer columns (id, price): a larger number bound against them is an error, not an empty page. */
const INT4_MAX = 2_147_483_647;
/**
 * An instant as the list's timestamps are kept and written (ISO, `T` or a space, an optional
 * zone), with each field in its range: PostgreSQL refuses `2026-13-01` with an error, which
 * must be a 400 here, not a 500 there.
 */
const CURSOR_INSTANT =
  /^([1-9]\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-](0\d|1[0-4])(:?[0-5]\d)?)?$/i;

function validInstant(v: string): boolean {
  const m = CURSOR_INSTANT.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  return day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
}

/**
 * A cursor back to the position it names, checked against the request's sort: garbage, a
 * tampered cursor, or one made for another sort is a 400 `invalid_cursor` (its value is bound
 * into SQL, so its type and range are checked here, where a wrong one would otherwise be a
 * database error).
 */
export function decodeCursor(cursor: string, sort: SortRequest<SimcardSortColumn>): simcardsRepository.SimcardKey {
  const invalid = (reason: string) =>
    new ValidationError(`cursor: ${reason}`, [{ field: 'cursor', in: 'query', reason }], 'invalid_cursor');
  let parsed: unknown;
  try {
    if (cursor.length === 0 || cursor.length > CURSOR_MAX || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor of this list');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('not a cursor of this list');
  const { s, v, i, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || typeof s !== 'string' || !('v' in parsed)) throw invalid('not a cursor of this list');
  if (s !== sortName(sort)) throw invalid(`made for sort=${s.slice(0, 40)}, not sort=${sortName(sort)}: start again without a cursor`);
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 1 || i > INT4_MAX) throw invalid('not a cursor of this list');
  const column = sort.column;
  const ok =
    column === 'id'
      ? v === null
      : v === null
        ? simcardsRepository.NULLABLE_SORT_COLUMNS.has(column)
        : column === 'price'
          ? typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= INT4_MAX
          : typeof v === 'string' &&
            (simcardsRepository.INSTANT_SORT_COLUMNS.has(column) ? validInstant(v) : v.length <= 64 && !v.includes('\0'));
  if (!ok) throw invalid('not a cursor of this list');
  return { value: v as string | number | null, id: i };
}

/** What staff may change on their own shop's SIMs. */
const STAFF_EDITABLE = new Set(['notes']);

function duplicate(err: unknown): ConflictError {
  const field = violatedColumn(err) ?? 'iccid';
  return new ConflictError(`A SIM card with this ${field} already exists`, [{ field, reason: 'already exists' }], 'duplicate');
}

export class SimcardsService {
  constructor(
    private readonly db: Db,
    /** The dealer's time zone: a date filter's day is a day there. */
    private readonly timeZone: string = DEFAULT_TIME_ZONE,
  ) {}

  /**
   * A page of the list, by offset or after `cursor` (a previous page's `nextCursor`, for the same
   * sort; not with an offset); `totalExact` is false when a broad search stopped counting at its
   * cap. The cursor only places the page: the filter, and staff's shop, are applied the same.
   */
  async list(
    principal: Principal,
    filter: SimcardListFilter,
    page: PageRequest & { cursor?: string | undefined },
    sort: SortRequest<SimcardSortColumn>,
  ): Promise<simcardsRepository.SimcardPage & { nextCursor: string | null }> {
    if (page.cursor !== undefined && page.offset !== 0) {
      throw new ValidationError(
        'cursor and offset cannot be combined: follow next_cursor, or page by offset',
        [{ field: 'cursor', in: 'query', reason: 'not with a non-zero offset' }],
        'cursor_with_offset',
      );
    }
    const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, sort);
    const found = await simcardsRepository.list(
      this.db,
      scopedFilter(principal, filter, this.timeZone),
      { limit: page.limit, offset: page.offset, after },
      sort,
    );
    return { ...found, nextCursor: found.next ? encodeCursor(sort, found.next) : null };
  }

  /** Another shop's SIM answers 404 to staff, exactly like an id that does not exist. */
  async get(principal: Principal, id: number, db: Queryable = this.db): Promise<SimcardRow> {
    const sim = await simcardsRepository.findById(db, id);
    const scope = shopScope(principal);
    if (!sim || (scope !== null && sim.shop_id !== scope)) throw new NotFoundError('SIM card');
    return sim;
  }

  async create(actor: Principal, input: CreateSimcardInput): Promise<SimcardRow> {
    const msisdn = input.msisdn ?? null;
    const shopId = input.shop_id ?? null;
    try {
      return await writeTransaction(this.db, async (trx) => {
        if (shopId !== null) await requireActiveShop(trx, shopId);
        const at = now();
        const sim = await simcardsRepository.insert(trx, {
          iccid: input.iccid,
          msisdn,
          // Without an operator, the number's range names one (a hint: numbers can be ported).
          operator: input.operator ?? (msisdn ? operatorForMsisdn(msisdn) : null),
          tariff: input.tariff ?? null,
          price: input.price ?? null,
          batch_id: input.batch_id ?? null,
          shop_id: shopId,
          status: shopId === null ? 'in_stock' : 'assigned',
          assigned_at: shopId === null ? null : at,
          notes: input.notes ?? null,
        });
        if (shopId !== null) {
          await assignmentLogsRepository.insert(trx, [
            { simcard_id: sim.id, iccid: sim.iccid, from_shop_id: null, to_shop_id: shopId, action: 'assigned', user_id: actor.userId },
          ]);
        }
        await recordAudit(trx, actor, { action: 'create', entity: 'simcard', entityId: sim.id, after: sim });
        return sim;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(err);
      throw err;
    }
  }

  async update(actor: Principal, id: number, input: UpdateSimcardInput): Promise<SimcardRow> {
    try {
      return await writeTransaction(this.db, async (trx) => {
        const sim = await this.get(actor, id, trx);
        if (shopScope(actor) !== null) {
          const forbidden = Object.keys(input).filter((k) => !STAFF_EDITABLE.has(k));
          if (forbidden.length > 0) {
            throw new ForbiddenError(
              'Shop staff may only edit notes',
              forbidden.map((field) => ({ field, reason: 'only admins may change this' })),
            );
          }
        }
        const { shop_id: toShopId, ...fields } = input;
        let patch: simcardsRepository.SimcardPatch = { ...fields };
        if (toShopId !== undefined) {
          if (toShopId !== null) await requireActiveShop(trx, toShopId);
          const move = planMove(sim, toShopId, actor.userId, now());
          if (move) {
            patch = { ...patch, ...move.patch };
            await assignmentLogsRepository.insert(trx, [move.log]);
          }
        }
        await recordEdit(trx, sim, fields, actor.userId);
        const updated = (await simcardsRepository.update(trx, id, patch))!;
        await recordAudit(trx, actor, { action: 'update', entity: 'simcard', entityId: id, before: sim, after: updated });
        return updated;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate(err);
      throw err;
    }
  }

  /** A sold SIM is what a shop is paid for: it stays. */
  async remove(actor: Principal, id: number): Promise<void> {
    await writeTransaction(this.db, async (trx) => {
      const sim = await simcardsRepository.findById(trx, id);
      if (!sim) throw new NotFoundError('SIM card');
      if (!isDeletable(sim)) throw new ConflictError('A sold SIM card cannot be deleted', undefined, 'sold');
      await simcardsRepository.remove(trx, id);
      await recordAudit(trx, actor, { action: 'delete', entity: 'simcard', entityId: id, before: sim });
    });
  }
}
