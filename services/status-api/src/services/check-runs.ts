/**
 * Auto-check runs: check every SIM that can still change (assigned and in-stock ones; sold and
 * blocked ones when asked), with bounded concurrency, as a background job with live progress,
 * cancel, history, and resume after a crash. At most one runs at a time (the database enforces
 * it).
 *
 * Shared by workers (issue 18). A run is split into pages — ranges of SIM ids of one lane — in
 * `check_run_pages`, made with the run. Every status API worker on the database works on the
 * running run: the one that started it, and every other one, whose join loop (every quarter
 * lease) finds the run's pages it can claim. A worker claims a page (SKIP LOCKED on
 * PostgreSQL), checks its SIMs, and moves the page's cursor over the SIMs settled in id order,
 * adding them to the run's `done` in the same transaction; it beats for the run and its pages
 * (run-lease.ts). A page whose worker stopped beating for a lease is claimed by another worker,
 * which goes on from the page's cursor; SIMs the run already logged after it are counted, not
 * checked again, so a SIM is logged once per run and counted done once. The run's progress is
 * the sum over its pages, in the database, the same from any instance. The worker that finds no
 * page left to work on ends the run. On SQLite the same code runs in one process, one worker on
 * a run at a time (another takes its pages over once it is dead).
 *
 * A run outlives a flaky operator (issue 12). A SIM is settled once: answered, or failed for a
 * reason of its own (logged, counted in `errors`). What is not the SIM's fault is tried again
 * within the run, never logged: the breaker open (the run waits for its probe), a 429 (the
 * provider slows down and honours Retry-After), or a failure while the operator failed for
 * everyone (nothing answered since the SIM's try began). A SIM's own failure gets
 * MAX_ROUNDS tries. The run gives up only when the operator has failed without a break for
 * RUN_GIVE_UP_AFTER_MIN: then it ends `failed`, its counters what its log rows say, and can be
 * resumed. `changed` and `errors` move only when a log row is written, so they equal the rows.
 *
 * Operators (issue 15). Each SIM is checked by its operator's provider (ProviderRouting). With
 * a provider per operator, each operator is a lane of its own — its own SIMs in id order, its
 * own cursor, concurrency and breaker — so a hanging operator never holds up the others' pages.
 * SIMs whose operator has no provider are counted `skipped` (reason `no_provider`) at the start,
 * never asked, never logged. A lane whose operator failed without a break for
 * RUN_GIVE_UP_AFTER_MIN stops: its remaining SIMs are counted `skipped` with the operator's last
 * failure as reason, and the other lanes go on; the run ends `failed` (resumable) only when every
 * lane gave up. With one provider for all (PROVIDER_URL) the run is one lane, as before. All the
 * per-operator routing of a run is in `#lanes` and `#execute`.
 */
import {
  type AutoCheckSchedule,
  type CheckScheduleView,
  ConflictError,
  INSTANCE_ID,
  type Logger,
  NotFoundError,
  ValidationError,
} from '@simcard/common';
import {
  type CheckRunRow,
  checkRunsRepository,
  type Db,
  isSqlite,
  now,
  type Page,
  type PageRequest,
  type Queryable,
  runLeasesRepository,
  type SimcardRow,
  statusCheckLogsRepository,
  writeTransaction,
} from '@simcard/db';
import { isDeferral, type ProviderError, type ProviderFailure, type ProviderHealth } from '../provider/provider.js';
import { NO_OPERATOR, type OperatorRoute, type ProviderRouting } from '../provider/routing.js';
import { CallSlots } from './call-slots.js';
import type { CallSlot, Checker } from './checker.js';
import { beatEvery, type Lease, shareRun, staleBefore } from './run-lease.js';
import { everyInterval, type Fired } from './shared-schedule.js';

/** SIMs per page: the unit workers claim (and the most a worker checks again after a crash). */
const PAGE_SIZE = 100;
/** Tries of a SIM whose own check fails while the operator answers others; the last one is logged. */
const MAX_ROUNDS = 3;
/** How often a worker looks for a run to join, at most (and every quarter lease, if shorter). */
const JOIN_EVERY_MS = 1000;
/** How often a page's progress is saved while it is worked on (what other instances see). */
const SAVE_EVERY_MS = 250;

export interface CheckRunsOptions {
  /** RUN_GIVE_UP_AFTER_MIN in ms. */
  giveUpAfterMs?: number;
  /** Called in the transaction that ends a run `failed` (the check_run.failed alert). */
  onFailed?: (trx: Queryable, run: CheckRunRow) => Promise<void>;
  /** SIMs per page of a lane (tests make it small to show that lanes and workers share the work). */
  pageSize?: number;
  /** This worker's name and how long a silent worker keeps its pages (default INSTANCE_ID, 20 s; issue 18). */
  lease?: Partial<Lease>;
}

/** A run's figures for the SIMs of one operator. */
export interface OperatorProgress {
  /** The SIMs' operator; null for SIMs without one. */
  operator: string | null;
  total: number;
  done: number;
  changed: number;
  errors: number;
  skipped: number;
  /** Why SIMs were skipped: `no_provider`, or the operator's last failure when the run gave up on it. */
  reason: string | null;
  message: string | null;
}

/** This worker's part in the running run. */
interface LiveRun {
  id: number;
  /** Stop: cancelled (by a user, on any instance) or this worker shuts down. */
  cancel: boolean;
  /** The run ended elsewhere: this worker just stops. */
  ended: boolean;
  startedAt: number;
  /** The run's `done` when this worker joined (its ETA counts every worker's progress since). */
  doneAtStart: number;
  finished: Promise<void>;
  /** The pages this worker holds. */
  pages: Map<number, ActivePage>;
}

interface ActivePage {
  row: runLeasesRepository.CheckRunPageRow;
  /** Taken over by another worker (this one missed its beats): not this worker's to save. */
  lost: boolean;
}

/** One provider's share of a run: the SIMs it checks, and whether it gave up (on this worker). */
interface Lane {
  /** The operator (its row in check_run_operators), or `*`: every SIM of the run, one provider. */
  key: string;
  route: OperatorRoute;
  /** The SIMs of the lane: these operators only (null = all). */
  operators: readonly string[] | null;
  gaveUp: string | null;
  lastFailure: ProviderFailure | null;
}

export interface RunView extends CheckRunRow {
  eta_seconds: number | null;
  by_operator: OperatorProgress[];
}

export interface StartOptions {
  trigger: 'manual' | 'scheduled';
  includeSold: boolean;
  userId: number | null;
  /** Only these operators' SIMs; absent or empty = all. */
  operators?: string[];
}

/** How many CheckRuns this process has made (each is a worker of its own). */
let workersInProcess = 0;

/** Thrown into a waiting check when its run stops before the check got a slot. */
class RunStopped extends Error {}

export class CheckRuns {
  #live: LiveRun | null = null;
  #stopSchedule: (() => void) | null = null;
  /** The schedules given to `schedule` that run (interval > 0). */
  #schedules: AutoCheckSchedule[] = [];
  /** Set on close: no scheduled run starts any more; `#scheduling` is the one being started, if any. */
  #scheduleStopped = false;
  #scheduling: Promise<unknown> = Promise.resolve();
  #joinTimer: NodeJS.Timeout | null = null;
  #closing = false;
  #joining = false;
  /** This worker's run writes, one after another on SQLite (see `#write`). */
  #writes: Promise<unknown> = Promise.resolve();
  readonly #lease: Lease;

  /** This worker's name in the run's pages and heartbeats. */
  get worker(): string {
    return this.#lease.worker;
  }

  constructor(
    private readonly db: Db,
    private readonly checker: Checker,
    /** Which provider checks each operator's SIMs, with its concurrency and health. */
    private readonly routing: ProviderRouting,
    private readonly log: Logger,
    private readonly options: CheckRunsOptions = {},
  ) {
    // Workers in one process (tests) are told apart: the first is INSTANCE_ID, the next `INSTANCE_ID/2`, …
    const nth = ++workersInProcess;
    this.#lease = {
      worker: options.lease?.worker ?? (nth === 1 ? INSTANCE_ID : `${INSTANCE_ID}/${nth}`),
      leaseMs: options.lease?.leaseMs ?? 20_000,
    };
  }

  /**
   * From start until close (issue 18): joins the running run when it has pages this worker can
   * claim — free ones, or those of a worker that has not beaten for a whole lease — now and every
   * second (or quarter lease, if shorter). A page whose worker is alive, on this machine or another, is left alone,
   * however recently this worker started. (A run stopped by SIGTERM with no other worker on it is
   * `interrupted`, not running: resumed by hand.)
   */
  async recover(): Promise<void> {
    await this.#join();
    this.#joinTimer = setInterval(
      () => {
        this.#join().catch((err: unknown) =>
          this.log.error('joining the running check run failed', { error: err instanceof Error ? err.message : String(err) }),
        );
      },
      Math.min(beatEvery(this.#lease), JOIN_EVERY_MS),
    );
    this.#joinTimer.unref();
  }

  /**
   * Runs one of this worker's run writes (claims, page saves, beats). On SQLite they go one at a
   * time: writers waiting for the database's one lock each hold one of libuv's four threads, and
   * enough of them would leave none for the transaction holding the lock. On PostgreSQL, at once.
   */
  #write<T>(work: () => Promise<T>): Promise<T> {
    if (!isSqlite(this.db)) return work();
    const done = this.#writes.then(work, work);
    this.#writes = done.catch(() => undefined);
    return done;
  }

  async #join(): Promise<void> {
    // A look still waiting for the database is not joined by another one.
    if (this.#joining) return;
    this.#joining = true;
    try {
      await this.#tryJoin();
    } finally {
      this.#joining = false;
    }
  }

  async #tryJoin(): Promise<void> {
    if (this.#live || this.#closing) return;
    const run = await checkRunsRepository.findRunning(this.db);
    if (!run) return;
    const before = staleBefore(this.#lease);
    const dead = await runLeasesRepository.isStale(this.db, run.id, before);
    if (run.cancel_requested) {
      // Cancelled while no worker was alive on it: ended, not continued.
      if (dead) await checkRunsRepository.finish(this.db, run.id, 'cancelled');
      return;
    }
    await this.#ensurePages(run);
    if (!(await runLeasesRepository.hasClaimable(this.db, run.id, before))) {
      // Every page settled, but the worker that settled the last one died before ending the run.
      if (dead) await this.#end(run.id);
      return;
    }
    if (this.#live || this.#closing) return;
    // SQLite is one process's database (one writer at a time; workers in one process share
    // libuv's four threads, which writers waiting for the lock would all hold): a run there is
    // worked on by one worker at a time, and another takes it over only once that one is dead.
    if (isSqlite(this.db) && !dead) return;
    if (dead) this.log.warn(`check run ${run.id}: its workers (last ${run.worker ?? 'unknown'}) stopped answering; taking it over`);
    else this.log.info(`check run ${run.id}: joining it`);
    await this.#launch(run);
  }

  /**
   * The operators a run may be limited to: with a provider per operator, the configured ones; with
   * one provider for all, any operator a SIM has (or could have). Unknown → 400 `unknown_operator`.
   */
  #checkOperators(operators: string[] | undefined): string[] | null {
    const wanted = [...new Set(operators ?? [])];
    if (wanted.length === 0) return null;
    const known = this.routing.operators();
    if (this.routing.perOperator) {
      const unknown = wanted.filter((o) => !known.includes(o));
      if (unknown.length > 0) {
        throw new ValidationError(
          `operators: no provider is configured for ${unknown.join(', ')} (configured: ${known.join(', ')})`,
          unknown.map((operator) => ({
            field: 'operators',
            reason: 'no provider is configured for this operator',
            code: 'unknown_operator',
            params: { operator, known: known.join(', ') },
          })),
          'unknown_operator',
        );
      }
    }
    return wanted.sort();
  }

  async start(options: StartOptions): Promise<RunView> {
    const operators = this.#checkOperators(options.operators);
    const running = await checkRunsRepository.findRunning(this.db);
    if (running) throw await this.#alreadyRunning(running);
    const counts = await checkRunsRepository.countToCheckByOperator(this.db, options.includeSold, operators);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const run = await writeTransaction(this.db, async (trx) => {
      const inserted = await checkRunsRepository.insertRunning(trx, {
        trigger: options.trigger,
        include_sold: options.includeSold,
        total,
        created_by: options.userId,
        operators: operators ? JSON.stringify(operators) : null,
      });
      if (!inserted) return null;
      // SIMs of an operator without a provider are settled now: skipped, never asked.
      let skipped = 0;
      const rows = [...counts].map(([operator, n]) => {
        const routed = this.routing.forOperator(operator || null) !== null;
        if (!routed) skipped += n;
        return routed
          ? { run_id: inserted.id, operator, total: n, skipped: 0, reason: null, message: null }
          : {
              run_id: inserted.id,
              operator,
              total: n,
              skipped: n,
              reason: 'no_provider',
              message: `No provider is configured for ${operator ? `operator ${operator}` : 'SIMs without an operator'}`,
            };
      });
      await checkRunsRepository.insertOperators(trx, rows);
      if (skipped > 0) await checkRunsRepository.saveProgress(trx, inserted.id, { done: 0, cursor_simcard_id: 0, skipped });
      const run = (await checkRunsRepository.findById(trx, inserted.id))!;
      // The pages, with the run: every worker sees the same ones.
      await this.#makePages(trx, run);
      return run;
    });
    if (!run) throw await this.#alreadyRunning((await checkRunsRepository.findRunning(this.db)) ?? null);
    this.log.info(`check run ${run.id} started`, { total, skipped: run.skipped, trigger: options.trigger, operators });
    await this.#launch(run);
    return this.view(run);
  }

  async resume(id: number): Promise<RunView> {
    const run = await this.#find(id);
    if (run.status !== 'interrupted' && run.status !== 'failed') {
      throw new ConflictError(`Run ${id} is ${run.status}; only an interrupted or failed run can be resumed`, undefined, 'not_resumable');
    }
    if (!(await checkRunsRepository.resume(this.db, id)))
      throw await this.#alreadyRunning((await checkRunsRepository.findRunning(this.db)) ?? null);
    return this.#continue(run);
  }

  /**
   * Goes on with a run that is `running` again (a resume) from its pages' cursors: every page
   * not done is free again, and an operator the run gave up on is tried again.
   */
  async #continue(run: CheckRunRow): Promise<RunView> {
    const id = run.id;
    // Counters from what is logged (a worker that died may have died mid-write).
    const { changed, errors } = await statusCheckLogsRepository.countsForRun(this.db, id);
    await checkRunsRepository.setCounts(this.db, id, { changed, errors });
    const logged = await checkRunsRepository.loggedCountsByOperator(this.db, id);
    const rows = (await checkRunsRepository.operatorsOf(this.db, [id])).get(id) ?? [];
    for (const row of rows) {
      // An operator the run gave up on is tried again from its pages' cursors; `no_provider` stays skipped.
      const retry = row.reason !== null && row.reason !== 'no_provider';
      await checkRunsRepository.saveOperatorProgress(this.db, id, row.operator, {
        ...(logged.get(row.operator) ?? { changed: 0, errors: 0 }),
        ...(retry ? { skipped: 0, reason: null, message: null } : {}),
      });
    }
    if (rows.length > 0) await checkRunsRepository.syncSkipped(this.db, id);
    await runLeasesRepository.reopenPages(this.db, id);
    const resumed = (await checkRunsRepository.findById(this.db, id))!;
    await this.#ensurePages(resumed);
    this.log.info(`check run ${id} resumed`, { done: resumed.done });
    await this.#launch(resumed);
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
    if (await runLeasesRepository.isStale(this.db, id, staleBefore(this.#lease))) {
      // No worker on it is alive: nobody else will end it.
      await checkRunsRepository.finish(this.db, id, 'cancelled');
    } else {
      // Other workers run it and see the request at their next heartbeat; the first to stop ends it.
      const deadline = Date.now() + 2 * beatEvery(this.#lease) + 1000;
      while (Date.now() < deadline && (await this.#find(id)).status === 'running') await new Promise((r) => setTimeout(r, 100));
    }
    return this.get(id);
  }

  async get(id: number): Promise<RunView> {
    return this.view(await this.#find(id));
  }

  async list(page: PageRequest): Promise<Page<CheckRunRow & { eta_seconds: number | null; by_operator: OperatorProgress[] }>> {
    const result = await checkRunsRepository.list(this.db, page);
    const byRun = await checkRunsRepository.operatorsOf(
      this.db,
      result.rows.map((r) => r.id),
    );
    return { rows: result.rows.map((r) => this.#view(r, byRun.get(r.id) ?? [])), total: result.total };
  }

  /** The stored run (its progress is the sum over its pages, whoever works on them), an ETA, and its figures per operator. */
  async view(run: CheckRunRow): Promise<RunView> {
    const rows = (await checkRunsRepository.operatorsOf(this.db, [run.id])).get(run.id) ?? [];
    return this.#view(run, rows);
  }

  #view(run: CheckRunRow, rows: checkRunsRepository.CheckRunOperatorRow[]): RunView {
    let eta: number | null = null;
    if (run.status === 'running') {
      const live = this.#live?.id === run.id ? this.#live : null;
      // Every worker's progress since this one joined, or since the run started.
      const since = live?.startedAt ?? new Date(run.started_at as string | Date).getTime();
      const rate = (run.done - (live?.doneAtStart ?? 0)) / ((Date.now() - since) / 1000);
      eta = rate > 0 ? Math.max(0, Math.round((run.total - run.skipped - run.done) / rate)) : null;
    }
    const by_operator: OperatorProgress[] = rows.map((row) => ({
      operator: row.operator === NO_OPERATOR ? null : row.operator,
      total: row.total,
      done: row.done,
      changed: row.changed,
      errors: row.errors,
      skipped: row.skipped,
      reason: row.reason,
      message: row.message,
    }));
    // `changed` and `errors` commit with the log rows they count; `done` with each page's cursor.
    return { ...run, eta_seconds: eta, by_operator };
  }

  /**
   * Starts the scheduled runs (autoCheckSchedules: the one schedule of AUTO_CHECK_INTERVAL_MIN,
   * or one per operator with an interval of its own), each once per interval across every worker
   * on the database (shared-schedule.ts), under its own name (an interval of 0: never). Runs
   * never overlap (one at a time): a schedule that finds a run already checking all its operators
   * leaves it alone and waits for its next interval, as before; one that finds a run of other
   * operators stays due and starts once that run has ended, so operators scheduled alike do not
   * starve each other.
   */
  schedule(schedules: AutoCheckSchedule[]): void {
    this.#schedules = schedules.filter((s) => s.intervalMin > 0);
    const stops = schedules
      .filter((s) => s.intervalMin > 0)
      .map((s) => {
        this.log.info(`scheduled check runs (${s.name}) every ${s.intervalMin} min`, { operators: s.operators ?? 'all' });
        return everyInterval(this.db, s.name, s.intervalMin * 60_000, () => this.#startScheduled(s.operators), this.log);
      });
    if (stops.length > 0) this.#stopSchedule = () => stops.forEach((stop) => stop());
  }

  /** The scheduled auto-checks this worker keeps (none unless `schedule` was called), with when each is next due. */
  async schedules(): Promise<CheckScheduleView[]> {
    const due = await runLeasesRepository.scheduleDueTimes(
      this.db,
      this.#schedules.map((s) => s.name),
    );
    return this.#schedules.map((s) => ({
      name: s.name,
      operators: s.operators,
      interval_min: s.intervalMin,
      next_due_at: due.get(s.name) ?? null,
    }));
  }

  /** A scheduled run of `operators` (null = all): started, skipped (its operators are being checked), or retried soon. */
  #startScheduled(operators: string[] | null): Promise<Fired> {
    // A worker shutting down starts nothing: the schedule stays due for another worker.
    if (this.#scheduleStopped || this.#closing) return Promise.resolve('again');
    const fired = this.#fireScheduled(operators);
    this.#scheduling = fired.catch(() => undefined);
    return fired;
  }

  async #fireScheduled(operators: string[] | null): Promise<Fired> {
    try {
      await this.start({ trigger: 'scheduled', includeSold: false, userId: null, ...(operators ? { operators } : {}) });
      return 'fired';
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const running = await checkRunsRepository.findRunning(this.db);
      if (!running) return 'again';
      const covered = running.operators ? (JSON.parse(running.operators) as string[]) : null;
      return covered === null || (operators !== null && operators.every((o) => covered.includes(o))) ? 'fired' : 'again';
    }
  }

  /**
   * On shutdown: this worker stops at once, its pages saved and released. The run is left
   * `interrupted` (to be resumed) unless another worker is alive on it.
   */
  async close(): Promise<void> {
    this.#scheduleStopped = true;
    this.#stopSchedule?.();
    if (this.#joinTimer) clearInterval(this.#joinTimer);
    // A scheduled run being started is launched first, then stopped with the rest (not left running with no worker).
    await this.#scheduling;
    this.#closing = true;
    const live = this.#live;
    if (live) {
      live.cancel = true;
      await live.finished;
    }
  }

  async #alreadyRunning(run: CheckRunRow | null): Promise<ConflictError> {
    return new ConflictError(
      run ? `Check run ${run.id} is already running` : 'A check run is already running',
      run ? [{ reason: 'already_running', run: await this.view(run) }] : undefined,
      'run_in_progress',
    );
  }

  async #find(id: number): Promise<CheckRunRow> {
    const run = await checkRunsRepository.findById(this.db, id);
    if (!run) throw new NotFoundError('Check run');
    return run;
  }

  /** The lanes of a run and where their pages start (a run made before pages: its saved cursors). */
  async #makePages(db: Queryable, run: CheckRunRow): Promise<void> {
    const pageSize = this.options.pageSize ?? PAGE_SIZE;
    const rows = (await checkRunsRepository.operatorsOf(db, [run.id])).get(run.id) ?? [];
    for (const lane of this.#laneSpecs(run, rows)) {
      const bounds = await runLeasesRepository.pageBounds(db, lane.after, Boolean(run.include_sold), lane.operators, pageSize);
      await runLeasesRepository.insertPages(db, run.id, lane.key, lane.after, bounds);
    }
  }

  /** A run without pages (started before migration 1901): its pages, made once, from its cursors. */
  async #ensurePages(run: CheckRunRow): Promise<void> {
    if (await runLeasesRepository.hasPages(this.db, run.id)) return;
    await writeTransaction(this.db, async (trx) => {
      // One worker makes them: the others wait for the run's row, then find them made.
      if (!isSqlite(trx)) await trx('check_runs').where({ id: run.id }).forUpdate().first('id');
      if (!(await runLeasesRepository.hasPages(trx, run.id))) await this.#makePages(trx, run);
    });
  }

  /**
   * The lanes of a run — the one place a run is split by operator. One provider for all: one lane
   * over the run's SIMs (limited to the run's operators). A provider per operator: a lane per
   * operator that has SIMs to check and was not skipped.
   */
  #laneSpecs(
    run: CheckRunRow,
    rows: checkRunsRepository.CheckRunOperatorRow[],
  ): Array<{
    key: string;
    operators: string[] | null;
    after: number;
    route: OperatorRoute | null;
    row?: checkRunsRepository.CheckRunOperatorRow;
  }> {
    const filter = run.operators ? (JSON.parse(run.operators) as string[]) : null;
    if (!this.routing.perOperator)
      return [{ key: '*', operators: filter, after: run.cursor_simcard_id, route: this.routing.forOperator(null) }];
    return rows
      .filter((r) => r.reason !== 'no_provider' && r.total > 0 && r.operator !== NO_OPERATOR)
      .map((r) => ({
        key: r.operator,
        operators: [r.operator],
        after: r.cursor_simcard_id,
        route: this.routing.forOperator(r.operator),
        row: r,
      }));
  }

  /** This worker's lanes of the run: those it has a provider for and that were not given up. */
  async #lanes(run: CheckRunRow): Promise<Lane[]> {
    const rows = (await checkRunsRepository.operatorsOf(this.db, [run.id])).get(run.id) ?? [];
    const lanes: Lane[] = [];
    for (const spec of this.#laneSpecs(run, rows)) {
      if (!spec.route) {
        // Resumed after its provider was removed from the configuration: what is left is skipped.
        if (spec.row && spec.row.reason === null) {
          await writeTransaction(this.db, async (trx) => {
            const message = `No provider is configured for operator ${spec.key}`;
            await checkRunsRepository.giveUpOperator(trx, run.id, spec.key, 'no_provider', message);
            await checkRunsRepository.syncSkipped(trx, run.id);
            await runLeasesRepository.closeLane(trx, run.id, spec.key);
          });
        }
        continue;
      }
      if (spec.row && spec.row.reason !== null) continue;
      lanes.push({ key: spec.key, route: spec.route, operators: spec.operators, gaveUp: null, lastFailure: null });
    }
    return lanes;
  }

  /** This worker joins the run: it works on the run's pages until none is left to claim. */
  async #launch(run: CheckRunRow): Promise<void> {
    // This worker's part in a run that just ended (or in this run before it failed) ends first.
    while (this.#live && this.#live.id === run.id) await this.#live.finished;
    if (this.#live) await this.#live.finished;
    if (this.#live || this.#closing) return;
    const live: LiveRun = {
      id: run.id,
      cancel: false,
      ended: false,
      startedAt: Date.now(),
      doneAtStart: run.done,
      finished: Promise.resolve(),
      pages: new Map(),
    };
    this.#live = live;
    const release = shareRun(
      this.db,
      run.id,
      this.#lease,
      () => [...live.pages.keys()],
      {
        cancelled: () => (live.cancel = true),
        ended: () => {
          live.ended = true;
          live.cancel = true;
        },
        pagesLost: (ids) => {
          // A page finished while the beat ran is not lost: it left `live.pages` before its last save.
          const lost = ids.filter((id) => live.pages.has(id));
          if (lost.length === 0) return;
          this.log.warn(`check run ${run.id}: pages ${lost.join(', ')} taken over by another worker (this one missed its heartbeats)`);
          for (const id of lost) live.pages.get(id)!.lost = true;
        },
      },
      this.log,
      (work) => this.#write(work),
    );
    live.finished = this.#work(run, live)
      .catch(async (err: unknown) => {
        this.log.error(`check run ${run.id} failed`, { error: err instanceof Error ? err.message : String(err) });
        await this.#fail(run.id, `Internal error: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500)).catch(() => {});
      })
      .finally(() => {
        release();
        if (this.#live === live) this.#live = null;
      });
  }

  /** This worker's lanes side by side, then the run's end if nothing is left to do. */
  async #work(run: CheckRunRow, live: LiveRun): Promise<void> {
    const lanes = await this.#lanes(run);
    await Promise.all(lanes.map((lane) => this.#runLane(run, live, lane)));
    if (live.ended) return;
    if (live.cancel) return this.#stopped(run.id);
    await this.#end(run.id);
  }

  /**
   * Ends the run if no page is left to work on: `failed` (resumable) when every lane was given
   * up, else `completed`. Several workers may try; only a running run ends, once.
   */
  async #end(id: number): Promise<void> {
    const pages = await runLeasesRepository.pagesSummary(this.db, id);
    if (pages.byStatus.pending + pages.byStatus.claimed > 0) return; // other workers are at it
    if (pages.givenUp.size > 0 && pages.givenUp.size === pages.lanes.length) {
      // Nothing could be checked: the run fails, and a resume tries these operators again.
      const reasons = [...pages.givenUp].map(([lane, why]) => (lane === '*' ? why : `${lane}: ${why}`)).join('; ');
      await this.#fail(id, `Stopped: ${reasons}. Resume it once the operator answers again.`.slice(0, 500));
      this.log.warn(`check run ${id} failed: ${reasons}`);
      return;
    }
    const run = await checkRunsRepository.findById(this.db, id);
    if (!run || run.status !== 'running') return;
    // SIMs added during the run were checked too.
    await checkRunsRepository.saveProgress(this.db, id, {
      done: run.done,
      cursor_simcard_id: run.cursor_simcard_id,
      total: Math.max(run.total, run.done + run.skipped),
    });
    if (await checkRunsRepository.finish(this.db, id, 'completed')) {
      for (const [lane, why] of pages.givenUp) this.log.warn(`check run ${id}: operator ${lane} skipped: ${why}`);
      this.log.info(`check run ${id} completed`, { done: run.done, skipped: run.skipped, at: now() });
    }
  }

  /** One lane on this worker: claims its pages (two at a time, so its operator sees a steady `concurrency` calls) until none is left. */
  async #runLane(run: CheckRunRow, live: LiveRun, lane: Lane): Promise<void> {
    const limit = new CallSlots(lane.route.concurrency);
    const health = lane.route.provider.health;
    const stop = () => live.cancel || lane.gaveUp !== null;
    const giveUp = () => (lane.gaveUp ??= this.#giveUpReason(health, live.startedAt));
    const inFlight: Array<Promise<void>> = [];
    for (;;) {
      if (stop()) break;
      const row = await this.#write(() =>
        runLeasesRepository.claimPage(this.db, run.id, lane.key, this.#lease.worker, staleBefore(this.#lease)),
      );
      if (!row) break;
      if (row.claims > 1) this.log.info(`check run ${run.id}: page ${row.id} (${lane.key}) claimed again, from SIM ${row.cursor_id}`);
      const page: ActivePage = { row, lost: false };
      live.pages.set(row.id, page);
      inFlight.push(this.#runPage(run, live, lane, page, limit, stop, giveUp).finally(() => live.pages.delete(row.id)));
      if (inFlight.length >= 2) await inFlight.shift();
    }
    await Promise.all(inFlight);
    if (live.cancel || lane.gaveUp === null) return;
    // Given up: the lane's pages not done stop (other workers' too), and what is not done is skipped.
    const reason = lane.lastFailure ?? 'provider_unavailable';
    const message = lane.gaveUp.slice(0, 500);
    await writeTransaction(this.db, async (trx) => {
      await runLeasesRepository.giveUpLane(trx, run.id, lane.key, message);
      if (lane.key !== '*') {
        await checkRunsRepository.giveUpOperator(trx, run.id, lane.key, reason, message);
        await checkRunsRepository.syncSkipped(trx, run.id);
      }
    });
  }

  /**
   * One page on this worker: its SIMs checked, its cursor moved over those settled in id order
   * and saved (with the run's `done`) every SAVE_EVERY_MS. Stopped (cancel, shutdown, give-up),
   * the page is released at its cursor for another worker or a resume; taken over, left alone.
   */
  async #runPage(
    run: CheckRunRow,
    live: LiveRun,
    lane: Lane,
    page: ActivePage,
    limit: CallSlots,
    laneStop: () => boolean,
    giveUp: () => string | null,
  ): Promise<void> {
    const pageSize = this.options.pageSize ?? PAGE_SIZE;
    const stop = () => laneStop() || page.lost;
    let fetchedUpTo = page.row.cursor_id;
    let cursor = page.row.cursor_id;
    /** SIMs fetched that the cursor has not passed, in id order, with their operator; and those of them settled. */
    const pending: Array<{ id: number; operator: string }> = [];
    const settled = new Set<number>();
    /** Done, not saved yet, by operator. */
    let unsaved = new Map<string, number>();
    let saving: Promise<void> = Promise.resolve();
    let queued = false;
    let lastSave = Date.now();

    const advance = () => {
      while (pending.length > 0 && settled.has(pending[0]!.id)) {
        const sim = pending.shift()!;
        settled.delete(sim.id);
        cursor = sim.id;
        unsaved.set(sim.operator, (unsaved.get(sim.operator) ?? 0) + 1);
      }
    };
    const save = (status: 'claimed' | 'done' | 'pending', extra?: Map<string, number>) => {
      const work = async () => {
        queued = false;
        lastSave = Date.now();
        if (page.lost) return;
        // The cursor and the SIMs it passed, taken together: they are saved together.
        const delta = unsaved;
        const at = cursor;
        for (const [op, n] of extra ?? []) delta.set(op, (delta.get(op) ?? 0) + n);
        unsaved = new Map();
        const doneDelta = [...delta.values()].reduce((a, b) => a + b, 0);
        try {
          await this.#write(() =>
            writeTransaction(
              this.db,
              async (trx) => {
                const held = await runLeasesRepository.savePage(trx, page.row.id, this.#lease.worker, { cursor_id: at, doneDelta, status });
                if (!held) {
                  page.lost = true;
                  return;
                }
                if (doneDelta > 0) await checkRunsRepository.addDone(trx, run.id, delta);
              },
              // Its first statement (the page's UPDATE) takes the write lock itself.
              { firstStatementWrites: true },
            ),
          );
        } catch (err) {
          // Saved with the next save (or, lost, the page's next worker counts them again).
          for (const [op, n] of delta) unsaved.set(op, (unsaved.get(op) ?? 0) + n);
          this.log.warn(`check run ${run.id}: saving page ${page.row.id} failed`, {
            error: err instanceof Error ? err.message : String(err),
          });
          if (status !== 'claimed') throw err;
        }
      };
      return (saving = saving.then(work, work));
    };

    for (;;) {
      if (stop()) break;
      const sims = await checkRunsRepository.pageToCheck(
        this.db,
        run.id,
        { afterId: fetchedUpTo, upToId: page.row.up_to_id },
        Boolean(run.include_sold),
        lane.operators,
        pageSize,
      );
      if (sims.length === 0) break;
      fetchedUpTo = sims.at(-1)!.id;
      for (const sim of sims) pending.push({ id: sim.id, operator: sim.operator ?? NO_OPERATOR });
      await Promise.all(
        sims.map(async (sim) => {
          // Logged by this run already (by a worker that stopped before its cursor passed it): settled.
          // (The row goes on with its `logged_in_run`: a copy without it would be one more object a SIM.)
          if (!sim.logged_in_run && (await this.#settle(sim, run.id, lane, limit, stop, giveUp)) === null) return;
          settled.add(sim.id);
          advance();
          if (!queued && Date.now() - lastSave >= SAVE_EVERY_MS) {
            queued = true;
            void save('claimed');
          }
        }),
      );
      if (sims.length < pageSize) break;
    }
    if (page.lost) return;
    live.pages.delete(page.row.id);
    if (!stop()) {
      await save('done');
      return;
    }
    // Stopped. A cancelled run is history: it shows every SIM settled. Otherwise the page goes
    // back at its cursor, for another worker or a resume.
    let extra: Map<string, number> | undefined;
    if (live.cancel && !live.ended && !this.#closing) {
      extra = new Map();
      for (const sim of pending) if (settled.has(sim.id)) extra.set(sim.operator, (extra.get(sim.operator) ?? 0) + 1);
    }
    await save('pending', extra).catch(() => {});
  }

  /**
   * Checks one SIM until it is settled: 'changed', 'unchanged', 'error' (logged as the SIM's own
   * failure), or null when the run stopped first. Retries what is not the SIM's fault.
   */
  async #settle(
    sim: SimcardRow,
    runId: number,
    lane: Lane,
    limit: CallSlots,
    stop: () => boolean,
    giveUp: () => string | null,
  ): Promise<Outcome | null> {
    const health = lane.route.provider.health;
    let rounds = 0;
    for (let tries = 0; ; tries++) {
      if (stop()) return null;
      if (health) {
        // Open or half-open: wait for the probe to decide instead of failing this SIM.
        await health.whenCallable();
        if (stop() || giveUp() !== null) return null;
      }
      const tryStarted = Date.now();
      const slot: CallSlot = (call) =>
        limit.run(() => {
          // The run stopped while this SIM waited for a slot: the operator is not asked.
          if (stop()) throw new RunStopped();
          return call();
        });
      let backoffMs = 0;
      const defer = (err: ProviderError): boolean => {
        lane.lastFailure = err.failure === 'circuit_open' ? (lane.lastFailure ?? err.failure) : err.failure;
        if (isDeferral(err.failure)) {
          // Rate-limited even after the provider's own waits: give the operator a moment more.
          if (err.failure === 'provider_rate_limited') backoffMs = 1000;
          return true;
        }
        const failingSince = health?.failingSince() ?? null;
        // Nothing answered since this try began: the operator is failing for everyone.
        if (failingSince !== null && failingSince <= tryStarted) {
          backoffMs = Math.min(2000, 100 * 2 ** Math.min(tries, 5));
          return true;
        }
        rounds++;
        backoffMs = 200 * rounds;
        return rounds < MAX_ROUNDS;
      };
      const result = await this.checker.check(sim, 'auto', runId, slot, { defer }).catch((err: unknown) => {
        if (err instanceof RunStopped) return null;
        throw err;
      });
      if (!result) return null;
      if (result.ok) return result.changed && result.logged ? 'changed' : 'unchanged';
      if (result.failure === 'no_provider') return 'unchanged'; // its operator lost its lane: not this lane's to check
      if (!result.deferred) return result.logged ? 'error' : 'unchanged';
      if (giveUp() !== null) return null;
      if (backoffMs > 0) await new Promise((r) => setTimeout(r, backoffMs * (0.5 + Math.random())));
    }
  }

  /**
   * Why a lane should stop now: its operator has failed without a break for too long. Counted
   * from the run's (re)start at the earliest: a resumed run gets its full patience.
   */
  #giveUpReason(health: ProviderHealth | undefined, runStartedAt: number): string | null {
    const failingSince = health?.failingSince() ?? null;
    const giveUpAfterMs = this.options.giveUpAfterMs ?? 10 * 60_000;
    if (failingSince === null) return null;
    const since = Math.max(failingSince, runStartedAt);
    if (Date.now() - since < giveUpAfterMs) return null;
    const minutes = Math.round(((Date.now() - since) / 60_000) * 10) / 10;
    return `the operator has failed every call for ${minutes} min (RUN_GIVE_UP_AFTER_MIN ${giveUpAfterMs / 60_000})`;
  }

  /** Ends a run `failed`, and in the same transaction queues its alert (once: only a running run ends). */
  async #fail(id: number, message: string): Promise<void> {
    await writeTransaction(this.db, async (trx) => {
      const ended = await checkRunsRepository.finish(trx, id, 'failed', message);
      if (ended && this.options.onFailed) await this.options.onFailed(trx, (await checkRunsRepository.findById(trx, id))!);
    });
  }

  /**
   * This worker stopped: cancelled by a user (it ends the run, if no other worker did), or shut
   * down (the run is `interrupted` unless another worker is alive on it).
   */
  async #stopped(id: number): Promise<void> {
    const run = await checkRunsRepository.findById(this.db, id);
    if (!run || run.status !== 'running') return;
    const byUser = Boolean(run.cancel_requested);
    if (!byUser && (await runLeasesRepository.othersAtWork(this.db, id, this.#lease.worker, staleBefore(this.#lease)))) {
      this.log.info(`check run ${id}: this worker stops; others go on with it`);
      return;
    }
    // An interrupted run keeps each page's cursor: a resume rechecks after them, and the database
    // logs each SIM once per run.
    if (await checkRunsRepository.finish(this.db, id, byUser ? 'cancelled' : 'interrupted')) {
      this.log.info(`check run ${id} ${byUser ? 'cancelled' : 'interrupted'}`, { done: run.done });
    }
  }
}

type Outcome = 'changed' | 'unchanged' | 'error';
