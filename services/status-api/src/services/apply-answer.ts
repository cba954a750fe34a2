/**
 * SPEC's lifecycle for what the operator says, as one pure function:
 * `active` → sold (sold_at set once); `blocked` → blocked; `inactive` → unchanged (a blocked SIM
 * the operator unblocked goes back to its shop or to stock; a sale is never undone);
 * `not_found` → provider_status only. A failed check never comes here.
 */
import type { SimcardRow, SimcardStatus, simcardsRepository } from '@simcard/db';
import type { ProviderAnswer } from '../provider/provider.js';

export interface CheckOutcome {
  patch: simcardsRepository.SimcardPatch;
  previousStatus: SimcardStatus;
  newStatus: SimcardStatus;
  /** The lifecycle status changed, or the operator's word changed from an earlier one. */
  changed: boolean;
  newlySold: boolean;
}

export function applyAnswer(sim: SimcardRow, answer: Pick<ProviderAnswer, 'status' | 'activatedAt'>, at: string): CheckOutcome {
  let status: SimcardStatus = sim.status;
  const patch: simcardsRepository.SimcardPatch = {
    provider_status: answer.status,
    last_checked_at: at,
    last_check_error: null,
  };
  if (answer.status === 'active') {
    status = 'sold';
    patch.sold_at = sim.sold_at ?? at;
    patch.activated_at = sim.activated_at ?? answer.activatedAt ?? at;
  } else if (answer.status === 'blocked') {
    status = 'blocked';
  } else if (answer.status === 'inactive' && sim.status === 'blocked') {
    status = sim.shop_id === null ? 'in_stock' : 'assigned';
  }
  patch.status = status;
  const changed = status !== sim.status || (sim.provider_status !== null && sim.provider_status !== answer.status);
  return { patch, previousStatus: sim.status, newStatus: status, changed, newlySold: status === 'sold' && sim.status !== 'sold' };
}
