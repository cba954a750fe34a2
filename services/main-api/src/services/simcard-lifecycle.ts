/**
 * SPEC's lifecycle for moves between stock and shops, in one place:
 * in_stock → assigned (given to a shop), assigned → another shop (transfer), assigned → in_stock
 * (returned). A sold or blocked SIM is never moved.
 */
import { ConflictError } from '@simcard/common';
import type { assignmentLogsRepository, simcardsRepository, SimcardRow } from '@simcard/db';

export interface Move {
  patch: Pick<simcardsRepository.SimcardPatch, 'shop_id' | 'status' | 'assigned_at'>;
  log: assignmentLogsRepository.NewAssignmentLog;
}

export function isMovable(sim: Pick<SimcardRow, 'status'>): boolean {
  return sim.status === 'in_stock' || sim.status === 'assigned';
}

/** The change that moves `sim` to `toShopId` (null: back to stock), or null when it is already there. */
export function planMove(
  sim: Pick<SimcardRow, 'id' | 'iccid' | 'status' | 'shop_id'>,
  toShopId: number | null,
  userId: number,
  at: string,
): Move | null {
  if (sim.shop_id === toShopId) return null;
  if (!isMovable(sim)) {
    throw new ConflictError(`A ${sim.status} SIM card cannot be moved`, [{ field: 'shop_id', reason: `SIM is ${sim.status}` }], 'not_movable');
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
