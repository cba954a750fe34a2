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
  type Queryable,
  type SimcardRow,
  simcardsRepository,
  statusCheckLogsRepository,
  WriteBatcher,
} from '@simcard/db';
import type { SaleOutbox } from '../notifications/sale-outbox.js';
import { type ProviderAnswer, ProviderError, type ProviderFailure } from '../provider/provider.js';
import type { ProviderRouting } from '../provider/routing.js';
import { applyAnswer, type CheckOutcome } from './apply-answer.js';

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

/** Runs an operator call when a concurrency slot is free (a run's CallSlots). */
export type CallSlot = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * How long a run's check result may wait for others to share its write (WriteBatcher's
 * `linger`): nobody waits on it (the concurrency slot is free already), and a run's batches grow
 * from a few results to tens, each batch a handful of statements. 50 ms: about 50 results a batch
 * at 1,000 checks a second, 20 ms about 20 (an earlier, loaded measurement saw no CPU difference
 * between the two; fewer statements a SIM cannot cost more). It waits only while other run
 * checks are under way (`#runCalls`): the last results of a run, or of a slow one, go at once, so
 * the longer wait does not lengthen a run's end. Not longer: a page ends when its last result is
 * written, and the next page is claimed then; past ~90 ms the lane's calls would idle meanwhile.
 */
const RUN_WRITE_LINGER_MS = 50;

export class Checker {
  readonly #saleListeners: SaleListener[] = [];
  /** Results of checks running side by side are written together (see WriteBatcher), with their counts (migration 1202). */
  readonly #writes: WriteBatcher<CheckBatch>;
  /** Run checks waiting for a slot or for their operator's answer: results that may join a batch soon. */
  #runCalls = 0;

  constructor(
    private readonly db: Db,
    /** Each SIM goes to its operator's provider (or the one for all). */
    private readonly routing: ProviderRouting,
    private readonly log: Logger,
    /** Where a sale's notifications are written, in the sale's transaction. */
    private readonly outbox: SaleOutbox | null = null,
  ) {
    this.#writes = new WriteBatcher<CheckBatch>(
      db,
      200,
      {
        start: () => new CheckBatch(),
        write: async (trx, batch) => {
          if (batch.answers.length > 0) await this.#applyBatch(trx, batch);
          await batch.writeRunCounts(trx);
          await batch.tally.write(trx);
        },
      },
      // A batch's first statement is always a write: an UPDATE of its SIMs, or the counters' upsert.
      { firstStatementWrites: true },
    );
  }

  /**
   * A run's writes linger for company while other run checks are under way (they will join);
   * a single check's (someone waits for it) go at once, and so does a run's last.
   */
  #linger(runId: number | null): number {
    return runId === null || this.#runCalls === 0 ? 0 : RUN_WRITE_LINGER_MS;
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
    // Decremented on each path before this check's write is queued, not in a `finally`: that would
    // run after the catch's failure write was queued, whose `#linger` would still count this call
    // (a run's last check, failed, would wait RUN_WRITE_LINGER_MS for company that never comes).
    if (runId !== null) this.#runCalls++;
    try {
      answer = await slot(() => route.provider.check(sim.iccid));
    } catch (err) {
      if (runId !== null) this.#runCalls--;
      if (!(err instanceof ProviderError)) throw err;
      if (options.defer?.(err)) return this.#deferFailure(sim, err, source, runId);
      return this.#recordFailure(sim, err, source, runId);
    }
    if (runId !== null) this.#runCalls--;
    const at = now();
    const outcome = applyAnswer(sim, answer, at);
    // The common answer (no sale, no activation date) joins its batch's one UPDATE and one INSERT;
    // a sale or a date is written on its own, in the batch's transaction (`#applyBatch`).
    const alone = outcome.newlySold || outcome.patch.activated_at !== undefined;
    const { result } = await this.#writes.run(
      (_trx, batch) => batch.add({ sim, answer, at, outcome, source, runId, alone, result: null }),
      this.#linger(runId),
    );
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

  /**
   * One answer applied by itself: to the SIM as the caller read it, unless it changed since: then
   * to what it is now. Null when the SIM was deleted meanwhile.
   */
  async #applyOne(
    trx: Queryable,
    batch: CheckBatch,
    sim: SimcardRow,
    answer: ProviderAnswer,
    at: string,
    source: CheckSource,
    runId: number | null,
  ): Promise<Applied | null> {
    let outcome = applyAnswer(sim, answer, at);
    let updated = await simcardsRepository.updateIfUnchanged(trx, sim, outcome.patch);
    if (!updated) {
      const current = await simcardsRepository.findById(trx, sim.id);
      if (!current) {
        batch.tally.add(at, countKey(sim, source, runId), { made: 1, answered: 1 });
        return null; // deleted meanwhile: nothing to apply
      }
      outcome = applyAnswer(current, answer, at);
      updated = (await simcardsRepository.update(trx, sim.id, outcome.patch))!;
    }
    batch.tally.add(at, countKey(updated, source, runId), { made: 1, answered: 1, changed: outcome.changed ? 1 : 0 });
    if (outcome.newlySold && this.outbox) await this.outbox.enqueue(trx, updated, at);
    const logged = outcome.changed ? await statusCheckLogsRepository.insert(trx, logRow(sim, outcome, answer, at, source, runId)) : false;
    // A run's counters (and its operator's) move with its log rows, in their transaction: they agree in every state.
    if (logged && runId !== null) batch.countRun(runId, sim.operator ?? '', 'changed');
    return { updated, outcome, logged };
  }

  /**
   * A batch's common answers, together: one UPDATE for their SIMs (those unchanged since they were
   * read; two when some answers keep the SIM's status and others change it: `applyChecks`' `same`),
   * one INSERT for their log rows. A sale or an activation date, a SIM changed meanwhile, or
   * twice in the batch, is applied by itself after them (`#applyOne`), in the order of their shops:
   * a sale locks its shop's sales rows, and two status API processes that take them in one order
   * never deadlock (the run's counters are written at the batch's end, `CheckBatch.writeRunCounts`).
   */
  async #applyBatch(trx: Queryable, batch: CheckBatch): Promise<void> {
    const entries = batch.answers;
    const together: BatchedAnswer[] = [];
    const alone: BatchedAnswer[] = [];
    const ids = new Set<number>();
    for (const e of entries) {
      if (e.alone || ids.has(e.sim.id)) alone.push(e);
      else together.push(e);
      ids.add(e.sim.id);
    }
    const rows = await simcardsRepository.applyChecks(
      trx,
      together.map((e) => ({
        id: e.sim.id,
        read_updated_at: e.sim.updated_at,
        status: e.outcome.newStatus,
        provider_status: e.answer.status,
        last_checked_at: e.at,
        same: e.outcome.newStatus === e.sim.status && e.answer.status === e.sim.provider_status,
      })),
    );
    const byId = new Map<number, simcardsRepository.AppliedCheck>();
    for (const row of rows) byId.set(Number(row.id), row);
    const applied: BatchedAnswer[] = [];
    for (const e of together) {
      if (byId.has(e.sim.id)) applied.push(e);
      else alone.push(e);
    }
    const logged = await statusCheckLogsRepository.insertMany(
      trx,
      applied.filter((e) => e.outcome.changed).map((e) => logRow(e.sim, e.outcome, e.answer, e.at, e.source, e.runId)),
    );
    for (const e of applied) {
      const set = byId.get(e.sim.id)!;
      // The row as read (unchanged since: the UPDATE's optimistic lock) with what the UPDATE set.
      const updated: SimcardRow = {
        ...e.sim,
        status: e.outcome.newStatus,
        provider_status: e.answer.status,
        last_checked_at: set.last_checked_at,
        last_check_error: null,
        updated_at: set.updated_at,
      };
      const wasLogged = e.outcome.changed && logged.has(e.sim.id);
      batch.tally.add(e.at, countKey(updated, e.source, e.runId), { made: 1, answered: 1, changed: e.outcome.changed ? 1 : 0 });
      e.result = { updated, outcome: e.outcome, logged: wasLogged };
      // The run's counters move with its log rows (written at the batch's end).
      if (wasLogged && e.runId !== null) batch.countRun(e.runId, e.sim.operator ?? '', 'changed');
    }
    // By shop, then SIM (a stable sort: one SIM's answers keep their order).
    alone.sort((a, b) => (a.sim.shop_id ?? 0) - (b.sim.shop_id ?? 0) || a.sim.id - b.sim.id);
    for (const e of alone) e.result = await this.#applyOne(trx, batch, e.sim, e.answer, e.at, e.source, e.runId);
  }

  /** A failure the caller retries: only the operator call is counted (a refused one was never made). */
  async #deferFailure(sim: SimcardRow, err: ProviderError, source: CheckSource, runId: number | null): Promise<CheckResult> {
    if (err.failure !== 'circuit_open') {
      const at = now();
      await this.#writes.run(
        (_trx, batch) => batch.tally.add(at, countKey(sim, source, runId), { made: 1, failed: 1 }),
        this.#linger(runId),
      );
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
    const { updated, logged } = await this.#writes.run(async (trx, batch) => {
      // A call the breaker refused was never made: not an operator call to count.
      if (err.failure !== 'circuit_open') batch.tally.add(at, countKey(sim, source, runId), { made: 1, failed: 1 });
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
      if (logged && runId !== null) batch.countRun(runId, sim.operator ?? '', 'errors');
      return { updated, logged };
    }, this.#linger(runId));
    return { ok: false, simcard: updated, failure: err.failure, message: err.message, responseMs: err.responseMs, logged };
  }
}

/** An answer applied with its batch (`#applyBatch`); `result` is set when the batch is written. */
interface BatchedAnswer {
  sim: SimcardRow;
  answer: ProviderAnswer;
  at: string;
  outcome: CheckOutcome;
  source: CheckSource;
  runId: number | null;
  /** Applied by itself (a sale or an activation date), not in the batch's one UPDATE. */
  alone: boolean;
  result: Applied | null;
}

interface Applied {
  updated: SimcardRow;
  outcome: CheckOutcome;
  logged: boolean;
}

/**
 * What one write batch carries to its end: the check counters (migration 1202) and the common
 * answers, written together there. A batch that fails takes both with it; retried one by one,
 * each write brings its own.
 */
class CheckBatch {
  readonly tally = new checkCountsRepository.CheckTally();
  readonly answers: BatchedAnswer[] = [];
  /** Log rows written per run and operator, added to the run's counters at the batch's end. */
  readonly #runCounts = new Map<string, { runId: number; operator: string; changed: number; errors: number }>();

  add(entry: BatchedAnswer): BatchedAnswer {
    this.answers.push(entry);
    return entry;
  }

  countRun(runId: number, operator: string, kind: 'changed' | 'errors'): void {
    const key = `${runId}|${operator}`;
    const c = this.#runCounts.get(key) ?? { runId, operator, changed: 0, errors: 0 };
    c[kind]++;
    this.#runCounts.set(key, c);
  }

  /**
   * The runs' counters, last in the batch's transaction and in key order, as every writer does:
   * the run's row is locked once the batch's other rows are, so two status API processes writing
   * batches of one run never wait on each other in a cycle.
   */
  async writeRunCounts(trx: Queryable): Promise<void> {
    for (const key of [...this.#runCounts.keys()].sort()) {
      const { runId, operator, changed, errors } = this.#runCounts.get(key)!;
      await checkRunsRepository.addCounts(trx, runId, { changed, errors }, operator);
    }
  }
}

function logRow(
  sim: SimcardRow,
  outcome: CheckOutcome,
  answer: ProviderAnswer,
  at: string,
  source: CheckSource,
  runId: number | null,
): statusCheckLogsRepository.NewStatusCheckLog {
  return {
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
  };
}

function countKey(sim: SimcardRow, source: CheckSource, runId: number | null): checkCountsRepository.CheckCountKey {
  return { operator: sim.operator, shopId: sim.shop_id, source, runId };
}
