/**
 * Bulk assignment to a shop and return to stock (`move`): each request is one transaction. The
 * decision per SIM is the lifecycle's (`isMovable`, `planMove`); the writes are set-based
 * (assignmentsRepository.moveAll), so 50,000 SIMs take a few statements per 2,000. A request
 * that moves SIMs leaves one audit-log entry, a bounded summary (the assignment log names each SIM).
 */
import { ConflictError, type Principal, ValidationError } from '@simcard/common';
import { assignmentsRepository, type Db, now, type Queryable, writeTransaction } from '@simcard/db';
import { type AuditChange, recordAudit } from './audit.js';
import { requireActiveShop } from './shops.js';
import { isMovable, type Move, planMove } from './simcard-lifecycle.js';

/** Most SIMs one request may name or cover (ids, ICCIDs, a range's matches, or a count). */
export const MAX_SELECTION = 100_000;

export type Selector =
  | { simcard_ids: number[] }
  | { iccids: string[] }
  | { range: { from: string; to: string } }
  | { count: number; operator?: string | undefined };

export type SkipReason = 'not_found' | 'sold' | 'blocked' | 'at_another_shop' | 'already_at_shop' | 'already_in_stock';

export interface Skipped {
  iccid: string | null;
  simcard_id: number | null;
  reason: SkipReason;
  /** For `at_another_shop`: where the SIM is. */
  shop_id?: number;
}

export interface MoveReport {
  moved: number;
  skipped: Skipped[];
  /** The SIMs that moved, in the order they were read (a handover lists them). */
  movedSims: Array<{ id: number; iccid: string; from_shop_id: number | null }>;
}

type Candidate = assignmentsRepository.MoveCandidate;

/** The SIMs a selector names, plus a `not_found` entry for each id or ICCID that matched none. */
export async function select(db: Queryable, selector: Selector): Promise<{ found: Candidate[]; missing: Skipped[] }> {
  if ('simcard_ids' in selector) {
    const ids = [...new Set(selector.simcard_ids)];
    const found = await assignmentsRepository.lockByIds(db, ids);
    const seen = new Set(found.map((s) => s.id));
    return { found, missing: ids.filter((id) => !seen.has(id)).map((id) => ({ iccid: null, simcard_id: id, reason: 'not_found' })) };
  }
  if ('iccids' in selector) {
    const iccids = [...new Set(selector.iccids)];
    const found = await assignmentsRepository.lockByIds(db, await assignmentsRepository.idsOfIccids(db, iccids));
    const seen = new Set(found.map((s) => s.iccid));
    return { found, missing: iccids.filter((i) => !seen.has(i)).map((iccid) => ({ iccid, simcard_id: null, reason: 'not_found' })) };
  }
  if ('range' in selector) {
    const ids = await assignmentsRepository.idsInRange(db, selector.range.from, selector.range.to, MAX_SELECTION + 1);
    if (ids.length > MAX_SELECTION) {
      throw ValidationError.field(
        'range',
        `covers more than ${MAX_SELECTION.toLocaleString('en')} SIM cards; split it into smaller ranges`,
      );
    }
    return { found: await assignmentsRepository.lockByIds(db, ids), missing: [] };
  }
  const found = await assignmentsRepository.oldestInStock(db, selector.count, selector.operator);
  if (found.length < selector.count) {
    // All or nothing: a shop asked for N gets N, or the admin decides what to do with fewer.
    const of = selector.operator ? ` of ${selector.operator}` : '';
    throw new ConflictError(
      `Only ${found.length} SIM cards${of} are in stock; ${selector.count} were asked for`,
      [{ field: 'count', reason: `only ${found.length} in stock`, available: found.length }],
      'insufficient_stock',
    );
  }
  return { found, missing: [] };
}

/** Why `sim` stays where it is under `request` (the lifecycle's rule first), or null when it moves. */
export function reasonToSkip(sim: Candidate, request: MoveRequest): Omit<Skipped, 'iccid' | 'simcard_id'> | null {
  const { toShopId, allowTransfer, fromShopId } = request;
  if (!isMovable(sim)) return { reason: sim.status === 'sold' ? 'sold' : 'blocked' };
  if (sim.shop_id === toShopId) return { reason: toShopId === null ? 'already_in_stock' : 'already_at_shop' };
  const elsewhere = sim.shop_id !== null && (toShopId !== null ? !allowTransfer : fromShopId !== undefined && sim.shop_id !== fromShopId);
  return elsewhere ? { reason: 'at_another_shop', shop_id: sim.shop_id! } : null;
}

export interface MoveRequest {
  selector: Selector;
  /** The shop to give the SIMs to; null returns them to stock. */
  toShopId: number | null;
  /** Assign only: SIMs at another shop move too (logged as transferred). */
  allowTransfer: boolean;
  /** Unassign only: return SIMs of this shop only; SIMs elsewhere are skipped. */
  fromShopId?: number | undefined;
}

export class AssignmentsService {
  constructor(private readonly db: Db) {}

  move(actor: Principal, request: MoveRequest): Promise<MoveReport> {
    return writeTransaction(this.db, (trx) => moveWithin(trx, actor, request));
  }
}

/** The move inside the caller's transaction (a handover adds its document to the same one). */
export async function moveWithin(trx: Queryable, actor: Principal, request: MoveRequest): Promise<MoveReport> {
  const { selector, toShopId } = request;
  if (toShopId !== null) await requireActiveShop(trx, toShopId);
  const { found, missing } = await select(trx, selector);
  const at = now();
  const skipped: Skipped[] = [...missing];
  // Grouped by action: every SIM of one action gets the same patch, so one UPDATE per chunk.
  const groups = new Map<string, { move: Move; ids: number[] }>();
  for (const sim of found) {
    const skip = reasonToSkip(sim, request);
    if (skip) {
      skipped.push({ iccid: sim.iccid, simcard_id: sim.id, ...skip });
      continue;
    }
    const move = planMove(sim, toShopId, actor.userId, at)!;
    const group = groups.get(move.log.action) ?? { move, ids: [] };
    group.ids.push(sim.id);
    groups.set(move.log.action, group);
  }
  let moved = 0;
  for (const { move, ids } of groups.values()) {
    await assignmentsRepository.moveAll(trx, { ids, patch: move.patch, action: move.log.action, userId: actor.userId, at });
    moved += ids.length;
  }
  // One entry per request (never one per SIM), in its transaction; a request that moved
  // nothing changed nothing and leaves none.
  if (moved > 0) await recordAudit(trx, actor, auditEntry(request, found, groups, skipped));
  const movedIds = new Set([...groups.values()].flatMap((g) => g.ids));
  const movedSims = found.filter((s) => movedIds.has(s.id)).map((s) => ({ id: s.id, iccid: s.iccid, from_shop_id: s.shop_id }));
  return { moved, skipped, movedSims };
}

/** How many moved SIM ids an audit entry lists; the assignment log has every one. */
export const AUDIT_SAMPLE_IDS = 20;

/**
 * The audit entry of a move that happened: on the target shop (assign) or the shop returned
 * from (unassign with a shop), with a summary whose size does not grow with the selection.
 */
function auditEntry(request: MoveRequest, found: Candidate[], groups: Map<string, { ids: number[] }>, skipped: Skipped[]): AuditChange {
  const { selector, toShopId, fromShopId } = request;
  const movedIds = new Set([...groups.values()].flatMap((g) => g.ids));
  const sample = found
    .filter((s) => movedIds.has(s.id))
    .slice(0, AUDIT_SAMPLE_IDS)
    .map((s) => s.id);
  const skippedByReason: Partial<Record<SkipReason, number>> = {};
  for (const s of skipped) skippedByReason[s.reason] = (skippedByReason[s.reason] ?? 0) + 1;
  const shopId = toShopId ?? fromShopId ?? null;
  return {
    action: toShopId === null ? 'unassign' : 'assign',
    entity: 'shop',
    entityId: shopId,
    after: {
      ...selectorSummary(selector),
      ...(toShopId === null ? { from_shop_id: fromShopId ?? null } : { shop_id: toShopId, allow_transfer: request.allowTransfer }),
      moved: movedIds.size,
      transferred: groups.get('transferred')?.ids.length ?? 0,
      skipped: skipped.length,
      skipped_by_reason: skippedByReason,
      simcard_ids_sample: sample,
      sample_truncated: movedIds.size > sample.length,
    },
  };
}

/** The selector's kind and, where it is small, the selector itself (a range's ends, a count). */
function selectorSummary(selector: Selector) {
  if ('simcard_ids' in selector) return { selector: 'simcard_ids', requested: new Set(selector.simcard_ids).size };
  if ('iccids' in selector) return { selector: 'iccids', requested: new Set(selector.iccids).size };
  if ('range' in selector) return { selector: 'range', range: { from: selector.range.from, to: selector.range.to } };
  return { selector: 'count', requested: selector.count, operator: selector.operator ?? null };
}
