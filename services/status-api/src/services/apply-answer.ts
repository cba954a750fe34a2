/**
 * The lifecycle for what the operator says (docs/domain.md#lifecycle), as one pure function:
 * `active` → sold; `blocked` → blocked; `inactive` → unchanged (a blocked SIM the operator
 * unblocked goes back to where it was: sold when it was ever sold, else its shop or stock);
 * `not_found` → provider_status only. A failed check never comes here.
 *
 * One sale per SIM, for life (issue 12): the first transition into sold is the sale. It sets
 * `sold_at` (the operator's activation date, see `saleDate`) and `sale_detected_at` once; it
 * alone is `newlySold` (credited, announced, counted). A SIM sold before that is blocked and
 * then active again only changes status.
 */
import type { SimcardRow, simcardsRepository, SimcardStatus } from '@simcard/db';
import type { ProviderAnswer } from '../provider/provider.js';

/** How far the operator's clock may run ahead of ours before its activation date is refused. */
export const ACTIVATION_CLOCK_SKEW_MS = 5 * 60_000;

export interface CheckOutcome {
  patch: simcardsRepository.SimcardPatch;
  previousStatus: SimcardStatus;
  newStatus: SimcardStatus;
  /** The lifecycle status changed, or the operator's word changed from an earlier one. */
  changed: boolean;
  /** The SIM's first transition into sold: its one sale. */
  newlySold: boolean;
}

/**
 * The sale's date from the operator's `activated_at`: as given when it is a date not in the
 * future (one before the SIM reached us is kept too: it shows as the "activated before
 * assignment" anomaly); otherwise the check's time, with the reason.
 */
export function saleDate(
  activatedAt: string | null | undefined,
  at: string,
): { soldAt: string; note: string | null; activatedAt: string | null } {
  if (!activatedAt) return { soldAt: at, note: 'the operator gave no activation date: dated by the check', activatedAt: null };
  const ms = Date.parse(activatedAt);
  if (Number.isNaN(ms))
    return {
      soldAt: at,
      note: `the operator's activation date ${JSON.stringify(activatedAt.slice(0, 40))} is not a date: dated by the check`,
      activatedAt: null,
    };
  const iso = new Date(ms).toISOString();
  if (ms > Date.parse(at) + ACTIVATION_CLOCK_SKEW_MS) {
    return { soldAt: at, note: `the operator's activation date ${iso} is in the future: dated by the check`, activatedAt: iso };
  }
  return { soldAt: iso, note: null, activatedAt: iso };
}

export function applyAnswer(sim: SimcardRow, answer: Pick<ProviderAnswer, 'status' | 'activatedAt'>, at: string): CheckOutcome {
  let status: SimcardStatus = sim.status;
  const patch: simcardsRepository.SimcardPatch = {
    provider_status: answer.status,
    last_checked_at: at,
    last_check_error: null,
  };
  // Ever sold: `sold_at` is set once, by the sale, and never cleared.
  const everSold = sim.sold_at !== null && sim.sold_at !== undefined;
  let newlySold = false;
  if (answer.status === 'active') {
    status = 'sold';
    if (!everSold) {
      const date = saleDate(answer.activatedAt, at);
      patch.sold_at = date.soldAt;
      patch.sale_detected_at = at;
      patch.sale_date_note = date.note;
      patch.activated_at = sim.activated_at ?? date.activatedAt ?? date.soldAt;
      newlySold = true;
    } else if (sim.activated_at === null && answer.activatedAt) {
      patch.activated_at = saleDate(answer.activatedAt, at).activatedAt;
    }
  } else if (answer.status === 'blocked') {
    status = 'blocked';
  } else if (answer.status === 'inactive' && sim.status === 'blocked') {
    status = everSold ? 'sold' : sim.shop_id === null ? 'in_stock' : 'assigned';
  }
  patch.status = status;
  const changed = status !== sim.status || (sim.provider_status !== null && sim.provider_status !== answer.status);
  return { patch, previousStatus: sim.status, newStatus: status, changed, newlySold };
}
