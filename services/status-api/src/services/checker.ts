/**
 * One check of one SIM: ask the operator, apply the answer to the SIM as it is in the database
 * now, and log every change and every failure (`status_check_logs`). A failure never touches
 * `status` or `provider_status`: it sets `last_check_error`.
 */
import type { Logger } from '@simcard/common';
import { now, simcardsRepository, statusCheckLogsRepository, WriteBatcher, type CheckSource, type Db, type SimcardRow } from '@simcard/db';
import { ProviderError, type ProviderFailure, type StatusProvider } from '../provider/provider.js';
import type { SaleOutbox } from '../notifications/sale-outbox.js';
import { applyAnswer } from './apply-answer.js';

export type CheckResult =
  | { ok: true; simcard: SimcardRow; providerStatus: string; changed: boolean; newlySold: boolean; responseMs: number; logged: boolean }
  | { ok: false; simcard: SimcardRow; failure: ProviderFailure; message: string; responseMs: number; logged: boolean };

export type SaleListener = (simcard: SimcardRow) => void;

/** Runs an operator call when a concurrency slot is free (a p-limit). */
export type CallSlot = <T>(call: () => Promise<T>) => Promise<T>;

export class Checker {
  readonly #saleListeners: SaleListener[] = [];
  /** Results of checks running side by side are written together (see WriteBatcher). */
  readonly #writes: WriteBatcher;

  constructor(
    private readonly db: Db,
    private readonly provider: StatusProvider,
    private readonly log: Logger,
    /** Where a sale's notifications are written, in the sale's transaction. */
    private readonly outbox: SaleOutbox | null = null,
  ) {
    this.#writes = new WriteBatcher(db);
  }

  /** Called for every SIM that becomes sold (notifications hang here). */
  onSale(listener: SaleListener): void {
    this.#saleListeners.push(listener);
  }

  /**
   * `slot` bounds the calls to the operator (CHECK_CONCURRENCY): it is held for the call only, not
   * for the write that follows, so a slot never idles while a result waits for its commit.
   */
  async check(sim: SimcardRow, source: CheckSource, runId: number | null, slot: CallSlot = (call) => call()): Promise<CheckResult> {
    let answer;
    try {
      answer = await slot(() => this.provider.check(sim.iccid));
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      return this.#recordFailure(sim, err, source, runId);
    }
    const at = now();
    const result = await this.#writes.run(async (trx) => {
      // Applied to the SIM as the caller read it, unless it changed since: then to what it is now.
      let outcome = applyAnswer(sim, answer, at);
      let updated = await simcardsRepository.updateIfUnchanged(trx, sim, outcome.patch);
      if (!updated) {
        const current = await simcardsRepository.findById(trx, sim.id);
        if (!current) return null; // deleted meanwhile: nothing to apply
        outcome = applyAnswer(current, answer, at);
        updated = (await simcardsRepository.update(trx, sim.id, outcome.patch))!;
      }
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
          })
        : false;
      return { updated, outcome, logged };
    });
    if (!result) return { ok: false, simcard: sim, failure: 'provider_error', message: 'SIM card was deleted during the check', responseMs: answer.responseMs, logged: false };
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

  async #recordFailure(sim: SimcardRow, err: ProviderError, source: CheckSource, runId: number | null): Promise<CheckResult> {
    const at = now();
    const message = `${err.failure}: ${err.message}`.slice(0, 500);
    const { updated, logged } = await this.#writes.run(async (trx) => {
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
      return { updated, logged };
    });
    return { ok: false, simcard: updated, failure: err.failure, message: err.message, responseMs: err.responseMs, logged };
  }
}
