/**
 * The lifecycle of moves between stock and shops (docs/domain.md#lifecycle), in one place:
 * in_stock → assigned (given to a shop), assigned → another shop (transfer), assigned → in_stock
 * (returned). A sold or blocked SIM is never moved.
 */
import { ConflictError } from '@simcard/common';
import type { assignmentLogsRepository, SimcardRow, simcardsRepository } from '@simcard/db';

export interface Move {
  patch: Pick<simcardsRepository.SimcardPatch, 'shop_id' | 'status' | 'assigned_at'>;
  log: assignmentLogsRepository.NewAssignmentLog;
}

/**
 * A SIM ever sold (`sold_at` set, kept for life whatever its status since: a sold SIM the
 * operator blocked is blocked, not unsold) is never moved. A SIM's status is only ever
 * in_stock or assigned while it has no sale (see the status API's apply-answer.ts).
 */
export function isMovable(sim: Pick<SimcardRow, 'status'> & { sold_at?: SimcardRow['sold_at'] }): boolean {
  return (sim.status === 'in_stock' || sim.status === 'assigned') && (sim.sold_at === undefined || sim.sold_at === null);
}

/** A sale is what a shop is paid for: a SIM ever sold stays, even when blocked since. */
export function isDeletable(sim: Pick<SimcardRow, 'status' | 'sold_at'>): boolean {
  return sim.status !== 'sold' && sim.sold_at === null;
}

/** The change that moves `sim` to `toShopId` (null: back to stock), or null when it is already there. */
export function planMove(
  sim: Pick<SimcardRow, 'id' | 'iccid' | 'status' | 'shop_id'> & { sold_at?: SimcardRow['sold_at'] },
  toShopId: number | null,
  userId: number,
  at: string,
): Move | null {
  if (sim.shop_id === toShopId) return null;
  if (!isMovable(sim)) {
    const what = sim.status === 'in_stock' || sim.status === 'assigned' ? 'sold' : sim.status;
    throw new ConflictError(`A ${what} SIM card cannot be moved`, [{ field: 'shop_id', reason: `SIM is ${what}` }], 'not_movable');
  }
  const base = { simcard_id: sim.id, iccid: sim.iccid, from_shop_id: sim.shop_id, to_shop_id: toShopId, user_id: userId };
  if (toShopId === null) {
    return { patch: { shop_id: null, status: 'in_stock', assigned_at: null }, log: { ...base, action: 'returned' } };
  }
  return {
    patch: { shop_id: toShopId, status: 'assigned', assigned_at: at },
    log: { ...base, action: sim.shop_id === null ? 'assigned' : 'transferred' },
  };
}
