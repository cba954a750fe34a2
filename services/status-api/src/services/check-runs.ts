/**
 * Auto-check runs: check every SIM that can still change (assigned and in-stock ones; sold and
 * blocked ones when asked), with bounded concurrency, as a background job with live progress,
 * cancel, history, and resume after a crash. At most one runs at a time (the database enforces
 * it). Progress is saved after each page of SIMs, with the id it reached, so a resumed run
 * continues after it and logs no SIM twice.
 */
import { ConflictError, NotFoundError, type Logger } from '@simcard/common';
import {
  checkRunsRepository,
  now,
  simcardsRepository,
  statusCheckLogsRepository,
  type CheckRunRow,
  type Db,
  type Page,
  type PageRequest,
} from '@simcard/db';
import pLimit from 'p-limit';
import type { CallSlot, Checker } from './checker.js';

const PAGE_SIZE = 500;

interface LiveRun {
  id: number;
  done: number;
  changed: number;
  errors: number;
  cancel: boolean;
  startedAt: number;
  doneAtStart: number;
  finished: Promise<void>;
}

export interface RunView extends CheckRunRow {
  eta_seconds: number | null;
}

export interface StartOptions {
  trigger: 'manual' | 'scheduled';
  includeSold: boolean;
  userId: number | null;
}

/** Thrown into a waiting check when its run stops before the check got a slot. */
class RunStopped extends Error {}

export class CheckRuns {
  #live: LiveRun | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly checker: Checker,
    private readonly concurrency: number,
    private readonly log: Logger,
  ) {}

  /** At start: runs a dead process left `running` become `interrupted`. */
  async recover(): Promise<void> {
    const n = await checkRunsRepository.markInterrupted(this.db);
    if (n > 0) this.log.warn(`${n} check run(s) were interrupted by a stop; resume with POST /check-runs/{id}/resume`);
  }

  async start(options: StartOptions): Promise<RunView> {
    const running = await checkRunsRepository.findRunning(this.db);
    if (running) throw this.#alreadyRunning(running);
    const total = await simcardsRepository.countToCheck(this.db, options.includeSold);
    const run = await checkRunsRepository.insertRunning(this.db, {
      trigger: options.trigger,
      include_sold: options.includeSold,
      total,
      created_by: options.userId,
    });
    if (!run) throw this.#alreadyRunning((await checkRunsRepository.findRunning(this.db)) ?? null);
    this.log.info(`check run ${run.id} started`, { total, trigger: options.trigger });
    this.#launch(run, { done: 0, changed: 0, errors: 0 });
    return this.view(run);
  }

  async resume(id: number): Promise<RunView> {
    const run = await this.#find(id);
    if (run.status !== 'interrupted') throw new ConflictError(`Run ${id} is ${run.status}; only an interrupted run can be resumed`, undefined, 'not_resumable');
    if (!(await checkRunsRepository.resume(this.db, id))) throw this.#alreadyRunning((await checkRunsRepository.findRunning(this.db)) ?? null);
    // Counters from what is logged, so SIMs rechecked after the cursor are not counted twice.
    const { changed, errors } = await statusCheckLogsRepository.countsForRun(this.db, id);
    const resumed = (await checkRunsRepository.findById(this.db, id))!;
    this.log.info(`check run ${id} resumed after SIM ${run.cursor_simcard_id}`);
    this.#launch(resumed, { done: resumed.done, changed, errors });
    return this.view(resumed);
  }

  async cancel(id: number): Promise<RunView> {
    const run = await this.#find(id);
    if (run.status !== 'running') throw new ConflictError(`Run ${id} is ${run.status}`, undefined, 'not_running');
    await checkRunsRepository.requestCancel(this.db, id);
    if (this.#live?.id === id) {
      this.#live.cancel = true;
      await this.#live.finished;
    }
    return this.get(id);
  }

  async get(id: number): Promise<RunView> {
    return this.view(await this.#find(id));
  }

  async list(page: PageRequest): Promise<Page<RunView>> {
    const result = await checkRunsRepository.list(this.db, page);
    return { rows: result.rows.map((r) => this.view(r)), total: result.total };
  }

  /** The stored run, with live counters when this process is running it, and an ETA. */
  view(run: CheckRunRow): RunView {
    const live = this.#live?.id === run.id && run.status === 'running' ? this.#live : null;
    const done = live?.done ?? run.done;
    let eta: number | null = null;
    if (live) {
      const rate = (live.done - live.doneAtStart) / ((Date.now() - live.startedAt) / 1000);
      eta = rate > 0 ? Math.max(0, Math.round((run.total - done) / rate)) : null;
    }
    return { ...run, done, changed: live?.changed ?? run.changed, errors: live?.errors ?? run.errors, eta_seconds: eta };
  }

  /** Starts a scheduled run every `minutes` (0: never); a run still going is left alone. */
  schedule(minutes: number): void {
    if (minutes <= 0) return;
    this.#timer = setInterval(() => {
      this.start({ trigger: 'scheduled', includeSold: false, userId: null }).catch((err: unknown) => {
        if (!(err instanceof ConflictError)) this.log.error('scheduled check run failed to start', { error: String(err) });
      });
    }, minutes * 60_000);
    this.#timer.unref();
  }

  /** On shutdown: the running run stops at once and is left `interrupted`, to be resumed. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    const live = this.#live;
    if (live) {
      live.cancel = true;
      await live.finished;
    }
  }

  #alreadyRunning(run: CheckRunRow | null): ConflictError {
    return new ConflictError(
      run ? `Check run ${run.id} is already running` : 'A check run is already running',
      run ? [{ reason: 'already_running', run: this.view(run) }] : undefined,
      'run_in_progress',
    );
  }

  async #find(id: number): Promise<CheckRunRow> {
    const run = await checkRunsRepository.findById(this.db, id);
    if (!run) throw new NotFoundError('Check run');
    return run;
  }

  #launch(run: CheckRunRow, counters: { done: number; changed: number; errors: number }): void {
    const live: LiveRun = { id: run.id, ...counters, cancel: false, startedAt: Date.now(), doneAtStart: counters.done, finished: Promise.resolve() };
    this.#live = live;
    live.finished = this.#execute(run, live)
      .catch(async (err: unknown) => {
        this.log.error(`check run ${run.id} failed`, { error: err instanceof Error ? err.message : String(err) });
        await checkRunsRepository.finish(this.db, run.id, 'failed', `Internal error: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500)).catch(() => {});
      })
      .finally(() => {
        if (this.#live === live) this.#live = null;
      });
  }

  /**
   * Pages of SIMs in id order, the next page fetched and queued while the last one finishes, so
   * the operator sees a steady `concurrency` calls in flight (a barrier at each page's end would
   * idle most of them while its slowest calls finish). Progress is saved page by page, in order:
   * the cursor only passes a page once every SIM in it is checked.
   */
  async #execute(run: CheckRunRow, live: LiveRun): Promise<void> {
    const limit = pLimit(this.concurrency);
    const includeSold = Boolean(run.include_sold);
    let fetchedUpTo = run.cursor_simcard_id;
    let cursor = run.cursor_simcard_id;
    let breakerMessage: string | null = null;
    const stop = () => live.cancel || breakerMessage !== null;
    const inFlight: Array<Promise<void>> = [];
    let saved: Promise<void> = Promise.resolve();

    for (;;) {
      if (stop()) break;
      const page = await simcardsRepository.nextToCheck(this.db, fetchedUpTo, includeSold, PAGE_SIZE);
      if (page.length === 0) break;
      fetchedUpTo = page.at(-1)!.id;
      const checked = Promise.all(
        page.map(async (sim) => {
          const slot: CallSlot = (call) =>
            limit(() => {
              // The run stopped while this SIM waited for a slot: the operator is not asked.
              if (stop()) throw new RunStopped();
              return call();
            });
          const result = await this.checker.check(sim, 'auto', run.id, slot).catch((err: unknown) => {
            if (err instanceof RunStopped) return null;
            throw err;
          });
          if (!result) return;
          live.done++;
          if (result.ok && result.changed && result.logged) live.changed++;
          if (!result.ok) {
            if (result.logged) live.errors++;
            if (result.failure === 'circuit_open') breakerMessage ??= result.message;
          }
        }),
      );
      const pageEnd = fetchedUpTo;
      saved = saved
        .then(() => checked)
        .then(async () => {
          if (stop()) return; // a stopped page is not whole: the cursor stays before it
          cursor = pageEnd;
          await checkRunsRepository.saveProgress(this.db, run.id, { done: live.done, changed: live.changed, errors: live.errors, cursor_simcard_id: cursor });
        });
      inFlight.push(saved);
      // Two pages queued at most: enough to keep every slot busy, bounded memory.
      if (inFlight.length >= 2) await inFlight.shift();
    }
    await saved;

    if (live.cancel) return this.#stopped(run.id, live);
    if (breakerMessage) {
      await checkRunsRepository.finish(this.db, run.id, 'failed', `Stopped: the operator keeps failing (${breakerMessage})`);
      this.log.warn(`check run ${run.id} failed: the operator keeps failing`);
      return;
    }
    await checkRunsRepository.saveProgress(this.db, run.id, { done: live.done, changed: live.changed, errors: live.errors, cursor_simcard_id: cursor, total: Math.max(run.total, live.done) });
    await checkRunsRepository.finish(this.db, run.id, 'completed');
    this.log.info(`check run ${run.id} completed`, { done: live.done, changed: live.changed, errors: live.errors, at: now() });
  }

  /** Cancelled by a user, or stopped by shutdown (then `interrupted`, resumable). */
  async #stopped(id: number, live: LiveRun): Promise<void> {
    const run = await checkRunsRepository.findById(this.db, id);
    const byUser = Boolean(run?.cancel_requested);
    if (byUser && run) {
      // A cancelled run is history: show how far it got.
      await checkRunsRepository.saveProgress(this.db, id, { done: live.done, changed: live.changed, errors: live.errors, cursor_simcard_id: run.cursor_simcard_id });
    }
    // An interrupted run keeps the progress of its last whole page: a resume rechecks the current
    // page, and the database logs each SIM once per run.
    await checkRunsRepository.finish(this.db, id, byUser ? 'cancelled' : 'interrupted');
    this.log.info(`check run ${id} ${byUser ? 'cancelled' : 'interrupted'}`, { done: live.done });
  }
}
