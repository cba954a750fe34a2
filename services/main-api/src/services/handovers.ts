/**
 * Handovers: a box of SIMs given to a shop (`delivery`) or brought back to stock (`return`), with
 * a preview before anything moves, a document (number, shop, SIM list, who, when, note) written
 * in the move's own transaction, and the receiving side's receipt. The move itself is the bulk
 * assignment's (`moveWithin`): the same lifecycle rules, assignment log and audit entry.
 *
 * A range names a box: every ICCID between its ends that we do not hold is reported as
 * `not_found`, one by one, so "494 of 500" always says which six.
 */
import {
  appendCheckDigit,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  type Principal,
  shopScope,
  ValidationError,
} from '@simcard/common';
import { type Db, handoversRepository, now, type Queryable, shopsRepository, writeTransaction } from '@simcard/db';
import { MAX_SELECTION, type MoveRequest, moveWithin, reasonToSkip, select, type Selector, type Skipped } from './assignments.js';
import { recordAudit } from './audit.js';

export type Direction = handoversRepository.HandoverDirection;
export type HandoverRow = handoversRepository.HandoverRow;
export type HandoverItem = handoversRepository.HandoverItemRow;

export interface HandoverRequest {
  direction: Direction;
  shopId: number;
  selector: Selector;
  /** Delivery only: SIMs at another shop move too. */
  allowTransfer: boolean;
}

export interface PreviewSim {
  simcard_id: number;
  iccid: string;
  msisdn: string | null;
  operator: string | null;
  /** Where it is now (null: in stock). */
  from_shop_id: number | null;
}

export interface Preview {
  moving: PreviewSim[];
  skipped: Skipped[];
}

export interface HandoverDocument {
  handover: HandoverRow;
  items: HandoverItem[];
  /** Who hands over: the dealer's name (DEALER_NAME), printed on the sheet. */
  dealer: string;
}

/** Every valid ICCID from `from` to `to`: one per value of the digits before the check digit. */
export function iccidsOfRange(from: string, to: string): string[] {
  const first = BigInt(from.slice(0, -1));
  const last = BigInt(to.slice(0, -1));
  if (last - first + 1n > BigInt(MAX_SELECTION)) {
    throw ValidationError.field('range', `covers more than ${MAX_SELECTION.toLocaleString('en')} ICCIDs; split it into smaller ranges`);
  }
  const width = from.length - 1;
  const out: string[] = [];
  for (let body = first; body <= last; body++) out.push(appendCheckDigit(body.toString().padStart(width, '0')));
  return out;
}

function moveRequest(request: HandoverRequest): MoveRequest {
  return request.direction === 'delivery'
    ? { selector: request.selector, toShopId: request.shopId, allowTransfer: request.allowTransfer }
    : { selector: request.selector, toShopId: null, allowTransfer: false, fromShopId: request.shopId };
}

/** The ICCIDs of a range selector that we do not hold at all, as skipped `not_found`. */
async function rangeGaps(db: Queryable, selector: Selector): Promise<Skipped[]> {
  if (!('range' in selector)) return [];
  const all = iccidsOfRange(selector.range.from, selector.range.to);
  const held = new Set((await handoversRepository.simsByIccids(db, all)).map((s) => s.iccid));
  return all.filter((i) => !held.has(i)).map((iccid) => ({ iccid, simcard_id: null, reason: 'not_found' }));
}

function byIccid(a: { iccid: string | null }, b: { iccid: string | null }): number {
  return (a.iccid ?? '') < (b.iccid ?? '') ? -1 : (a.iccid ?? '') > (b.iccid ?? '') ? 1 : 0;
}

/**
 * The items as `principal` may see them. An unexpected ICCID (scanned on a receipt, not on the
 * sheet) names the SIM we hold under it; to staff, a SIM now at another shop is not named (its
 * simcard_id is null, exactly as for an ICCID we do not hold): a receipt may list up to
 * MAX_SELECTION ICCIDs, and would otherwise tell staff which of another shop's ICCIDs we hold,
 * and their ids. Stored as found, for the office to reconcile.
 */
async function unexpectedAsStaffMaySee(db: Queryable, principal: Principal, items: HandoverItem[]): Promise<HandoverItem[]> {
  const scope = shopScope(principal);
  const named = scope === null ? [] : items.flatMap((i) => (!i.expected && i.simcard_id !== null ? [i.simcard_id] : []));
  if (named.length === 0) return items;
  const visible = new Set(
    (await handoversRepository.simsByIds(db, named)).filter((s) => s.shop_id === null || s.shop_id === scope).map((s) => s.id),
  );
  return items.map((i) => (i.expected || i.simcard_id === null || visible.has(i.simcard_id) ? i : { ...i, simcard_id: null }));
}

export class HandoversService {
  constructor(
    private readonly db: Db,
    private readonly dealer = 'SimCard Manager',
  ) {}

  /** What a handover would move and what it would leave, with reasons; writes nothing. */
  async preview(request: HandoverRequest): Promise<Preview> {
    await this.requireShop(this.db, request);
    const gaps = await rangeGaps(this.db, request.selector);
    const { found, missing } = await select(this.db, request.selector);
    const move = moveRequest(request);
    const skipped: Skipped[] = [...missing, ...gaps];
    const movingIds: number[] = [];
    for (const sim of found) {
      const skip = reasonToSkip(sim, move);
      if (skip) skipped.push({ iccid: sim.iccid, simcard_id: sim.id, ...skip });
      else movingIds.push(sim.id);
    }
    const facts = await handoversRepository.simsByIds(this.db, movingIds);
    const moving = facts
      .map((s) => ({ simcard_id: s.id, iccid: s.iccid, msisdn: s.msisdn, operator: s.operator, from_shop_id: s.shop_id }))
      .sort(byIccid);
    return { moving, skipped: skipped.sort(byIccid) };
  }

  /** The move and its document, in one transaction; 409 when nothing would move. */
  create(actor: Principal, request: HandoverRequest, note: string | null): Promise<HandoverDocument & { skipped: Skipped[] }> {
    return writeTransaction(this.db, async (trx) => {
      const shop = await this.requireShop(trx, request);
      const gaps = await rangeGaps(trx, request.selector);
      const report = await moveWithin(trx, actor, moveRequest(request));
      const skipped = [...report.skipped, ...gaps].sort(byIccid);
      if (report.moved === 0) {
        throw new ConflictError(
          'None of these SIM cards can be handed over',
          [{ field: 'selector', reason: 'nothing to move', skipped: skipped.length }],
          'nothing_to_hand_over',
        );
      }
      const handover = await handoversRepository.insert(trx, {
        direction: request.direction,
        shop_id: shop.id,
        shop_name: shop.name,
        note,
        sim_count: report.moved,
        created_by: actor.userId > 0 ? actor.userId : null,
        created_by_name: actor.username.slice(0, 120),
        created_at: now(),
      });
      await handoversRepository.insertItems(
        trx,
        handover.id,
        report.movedSims.map((s) => ({ simcard_id: s.id, iccid: s.iccid, expected: true })),
      );
      await recordAudit(trx, actor, {
        action: 'create',
        entity: 'handover',
        entityId: handover.id,
        after: {
          number: handover.number,
          direction: handover.direction,
          shop_id: shop.id,
          sim_count: report.moved,
          skipped: skipped.length,
          note,
        },
      });
      return { handover, items: await handoversRepository.items(trx, handover.id), dealer: this.dealer, skipped };
    });
  }

  list(principal: Principal, filter: handoversRepository.HandoverFilter, page: { limit: number; offset: number }) {
    const scope = shopScope(principal);
    if (scope !== null && filter.shopId !== undefined && filter.shopId !== scope) throw new NotFoundError('Shop');
    return handoversRepository.list(this.db, { ...filter, shopId: scope ?? filter.shopId }, page);
  }

  async get(principal: Principal, id: number, db: Queryable = this.db): Promise<HandoverDocument> {
    const handover = await this.visible(db, principal, id);
    return { handover, items: await unexpectedAsStaffMaySee(db, principal, await handoversRepository.items(db, id)), dealer: this.dealer };
  }

  /**
   * The receiving side says what arrived: `received` ICCIDs, or all (null). A delivery is
   * confirmed by its shop's staff or an admin; a return by the office (an admin).
   */
  receipt(principal: Principal, id: number, received: string[] | null): Promise<HandoverDocument> {
    return writeTransaction(this.db, async (trx) => {
      const handover = await this.visible(trx, principal, id);
      if (handover.direction === 'return' && principal.role !== 'admin') throw new ForbiddenError('The office confirms a return');
      if (handover.status !== 'awaiting_confirmation') {
        throw new ConflictError(`Handover ${handover.number} was already confirmed`, [{ reason: handover.status }], 'already_confirmed');
      }
      const expected = await handoversRepository.expectedIccids(trx, id);
      const listed = new Set(expected);
      const got = received === null ? listed : new Set(received);
      const receivedListed = expected.filter((i) => got.has(i));
      const extra = [...got].filter((i) => !listed.has(i)).sort();
      const known = new Map((await handoversRepository.simsByIccids(trx, extra)).map((s) => [s.iccid, s.id]));
      const unexpected = extra.map((iccid) => ({ iccid, simcard_id: known.get(iccid) ?? null }));
      const missingCount = expected.length - receivedListed.length;
      const status = missingCount === 0 && unexpected.length === 0 ? 'confirmed' : 'confirmed_with_discrepancies';
      await handoversRepository.recordReceipt(trx, id, {
        received: receivedListed,
        unexpected,
        missingCount,
        status,
        userId: principal.userId > 0 ? principal.userId : null,
        userName: principal.username.slice(0, 120),
        at: now(),
      });
      const missing = expected.filter((i) => !got.has(i));
      await recordAudit(trx, principal, {
        action: 'receipt',
        entity: 'handover',
        entityId: id,
        before: { status: handover.status },
        after: {
          status,
          received: receivedListed.length,
          missing: missing.slice(0, 50),
          missing_count: missingCount,
          unexpected: extra.slice(0, 50),
          unexpected_count: extra.length,
        },
      });
      return this.get(principal, id, trx);
    });
  }

  /** The handover, or 404 for staff of another shop exactly as for one that does not exist. */
  private async visible(db: Queryable, principal: Principal, id: number): Promise<HandoverRow> {
    const row = await handoversRepository.findById(db, id);
    const scope = shopScope(principal);
    if (!row || (scope !== null && row.shop_id !== scope)) throw new NotFoundError('Handover');
    return row;
  }

  private async requireShop(db: Queryable, request: HandoverRequest) {
    const shop = await shopsRepository.findById(db, request.shopId);
    if (!shop) throw ValidationError.field('shop_id', `shop ${request.shopId} does not exist`);
    if (request.direction === 'delivery' && !shop.is_active) throw ValidationError.field('shop_id', `shop ${request.shopId} is inactive`);
    if (request.direction === 'return' && 'count' in request.selector)
      throw ValidationError.field('count', 'a return names its SIMs: simcard_ids, iccids or range');
    return shop;
  }
}
