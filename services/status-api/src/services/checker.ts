/**
 * One check of one SIM: ask the operator, apply the answer to the SIM as it is in the database
 * now, and log every change and every failure (`status_check_logs`). A failure never touches
 * `status` or `provider_status`: it sets `last_check_error`.
 */
import type { Logger } from '@simcard/common';
import {
  checkCountsRepository,
  checkRunsRepository,
  type CheckSource,
  type Db,
  now,
  type SimcardRow,
  simcardsRepository,
  statusCheckLogsRepository,
  WriteBatcher,
} from '@simcard/db';
import type { SaleOutbox } from '../notifications/sale-outbox.js';
import { ProviderError, type ProviderFailure } from '../provider/provider.js';
import type { ProviderRouting } from '../provider/routing.js';
import { applyAnswer } from './apply-answer.js';

/** Why a check did not answer: the operator failed, or the SIM's operator has no provider (`no_provider`: not asked, not logged). */
export type CheckFailure = ProviderFailure | 'no_provider';

export type CheckResult =
  | { ok: true; simcard: SimcardRow; providerStatus: string; changed: boolean; newlySold: boolean; responseMs: number; logged: boolean }
  | { ok: false; simcard: SimcardRow; failure: CheckFailure; message: string; responseMs: number; logged: boolean; deferred?: boolean };

export interface CheckOptions {
  /**
   * Asked when the operator call failed: true leaves the failure unrecorded (no log row, no
   * `last_check_error`; the result is `deferred`) because the caller will try the SIM again. A run
   * defers what is not the SIM's fault (breaker open, 429, an operator failing for everyone).
   */
  defer?: (err: ProviderError) => boolean;
}

export type SaleListener = (simcard: SimcardRow) => void;

/** Runs an operator call when a concurrency slot is free (a p-limit). */
export type CallSlot = <T>(call: () => Promise<T>) => Promise<T>;

export class Checker {
  readonly #saleListeners: SaleListener[] = [];
  /** Results of checks running side by side are written together (see WriteBatcher), with their counts (migration 1202). */
  readonly #writes: WriteBatcher<checkCountsRepository.CheckTally>;

  constructor(
    private readonly db: Db,
    /** Each SIM goes to its operator's provider (or the one for all). */
    private readonly routing: ProviderRouting,
    private readonly log: Logger,
    /** Where a sale's notifications are written, in the sale's transaction. */
    private readonly outbox: SaleOutbox | null = null,
  ) {
    this.#writes = new WriteBatcher(db, 200, {
      start: () => new checkCountsRepository.CheckTally(),
      write: (trx, tally) => tally.write(trx),
    });
  }

  /** Called for every SIM that becomes sold (notifications hang here). */
  onSale(listener: SaleListener): void {
    this.#saleListeners.push(listener);
  }

  /**
   * `slot` bounds the calls to the operator (CHECK_CONCURRENCY): it is held for the call only, not
   * for the write that follows, so a slot never idles while a result waits for its commit.
   */
  async check(
    sim: SimcardRow,
    source: CheckSource,
    runId: number | null,
    slot: CallSlot = (call) => call(),
    options: CheckOptions = {},
  ): Promise<CheckResult> {
    const route = this.routing.forOperator(sim.operator);
    if (!route) {
      // No provider for this operator: nothing is asked, logged or counted against the SIM.
      return {
        ok: false,
        simcard: sim,
        failure: 'no_provider',
        message: `No provider is configured for operator ${sim.operator ?? '(none)'}`,
        responseMs: 0,
        logged: false,
      };
    }
    let answer;
    try {
      answer = await slot(() => route.provider.check(sim.iccid));
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      if (options.defer?.(err)) return this.#deferFailure(sim, err, source, runId);
      return this.#recordFailure(sim, err, source, runId);
    }
    const at = now();
    const result = await this.#writes.run(async (trx, tally) => {
      // Applied to the SIM as the caller read it, unless it changed since: then to what it is now.
      let outcome = applyAnswer(sim, answer, at);
      let updated = await simcardsRepository.updateIfUnchanged(trx, sim, outcome.patch);
      if (!updated) {
        const current = await simcardsRepository.findById(trx, sim.id);
        if (!current) {
          tally.add(at, countKey(sim, source, runId), { made: 1, answered: 1 });
          return null; // deleted meanwhile: nothing to apply
        }
        outcome = applyAnswer(current, answer, at);
        updated = (await simcardsRepository.update(trx, sim.id, outcome.patch))!;
      }
      tally.add(at, countKey(updated, source, runId), { made: 1, answered: 1, changed: outcome.changed ? 1 : 0 });
      if (outcome.newlySold && this.outbox) await this.outbox.enqueue(trx, updated, at);
      const logged = outcome.changed
        ? await statusCheckLogsRepository.insert(trx, {
            simcard_id: sim.id,
            iccid: sim.iccid,
            previous_status: outcome.previousStatus,
            new_status: outcome.newStatus,
            changed: true,
            error_message: null,
            source,
            run_id: runId,
            response_ms: answer.responseMs,
            checked_at: at,
            // The one row the live feed announces: the SIM's first transition into sold.
            sale: outcome.newlySold,
          })
        : false;
      // A run's counters (and its operator's) move with its log rows, in their transaction: they agree in every state.
      if (logged && runId !== null) await checkRunsRepository.addCounts(trx, runId, { changed: 1 }, sim.operator ?? '');
      return { updated, outcome, logged };
    });
    if (!result)
      return {
        ok: false,
        simcard: sim,
        failure: 'provider_error',
        message: 'SIM card was deleted during the check',
        responseMs: answer.responseMs,
        logged: false,
      };
    if (result.outcome.newlySold) {
      this.log.info('SIM sold', { iccid: sim.iccid, shop_id: result.updated.shop_id });
      for (const listener of this.#saleListeners) listener(result.updated);
    }
    return {
      ok: true,
      simcard: result.updated,
      providerStatus: answer.status,
      changed: result.outcome.changed,
      newlySold: result.outcome.newlySold,
      responseMs: answer.responseMs,
      logged: result.logged,
    };
  }

  /** A failure the caller retries: only the operator call is counted (a refused one was never made). */
  async #deferFailure(sim: SimcardRow, err: ProviderError, source: CheckSource, runId: number | null): Promise<CheckResult> {
    if (err.failure !== 'circuit_open') {
      const at = now();
      await this.#writes.run(async (_trx, tally) => tally.add(at, countKey(sim, source, runId), { made: 1, failed: 1 }));
    }
    return {
      ok: false,
      simcard: sim,
      failure: err.failure,
      message: err.message,
      responseMs: err.responseMs,
      logged: false,
      deferred: true,
    };
  }

  async #recordFailure(sim: SimcardRow, err: ProviderError, source: CheckSource, runId: number | null): Promise<CheckResult> {
    const at = now();
    const message = `${err.failure}: ${err.message}`.slice(0, 500);
    const { updated, logged } = await this.#writes.run(async (trx, tally) => {
      // A call the breaker refused was never made: not an operator call to count.
      if (err.failure !== 'circuit_open') tally.add(at, countKey(sim, source, runId), { made: 1, failed: 1 });
      const updated = (await simcardsRepository.update(trx, sim.id, { last_check_error: message })) ?? sim;
      const logged = await statusCheckLogsRepository.insert(trx, {
        simcard_id: sim.id,
        iccid: sim.iccid,
        previous_status: sim.status,
        new_status: sim.status,
        changed: false,
        error_message: message,
        source,
        run_id: runId,
        response_ms: err.responseMs,
        checked_at: at,
      });
      if (logged && runId !== null) await checkRunsRepository.addCounts(trx, runId, { errors: 1 }, sim.operator ?? '');
      return { updated, logged };
    });
    return { ok: false, simcard: updated, failure: err.failure, message: err.message, responseMs: err.responseMs, logged };
  }
}

function countKey(sim: SimcardRow, source: CheckSource, runId: number | null): checkCountsRepository.CheckCountKey {
  return { operator: sim.operator, shopId: sim.shop_id, source, runId };
}
