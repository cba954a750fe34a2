/**
 * One budget per operator for the whole cluster of status API workers on one PostgreSQL
 * (issue 18; docs/operator-budget.md): the operator's calls per second and its calls in flight
 * hold for all workers together, not per process.
 *
 * - Rate: the RateLimiter's numbered slots (rate-limiter.ts) come from PostgreSQL
 *   (`PostgresSlots`: a few reserved at a time in one statement), so slots are spaced 1/rate
 *   apart across the cluster; a slot a worker reaches too late is dropped, never used late, so
 *   no second ever holds more calls than the limit. No transaction is held while waiting.
 * - Concurrency: `ClusterConcurrency` keeps this worker's allotment of the operator's concurrency
 *   by a heartbeat (one short transaction a second per operator); the allotments of the live
 *   workers never add up to more than the limit, and a worker that cannot renew stops starting
 *   calls before the others may take its share.
 *
 * On SQLite (one process) or without a database the RateLimiter keeps its slots in memory.
 */
import { randomUUID } from 'node:crypto';
import { INSTANCE_ID } from '@simcard/common';
import { type Db, isSqlite, operatorBudgetRepository as budgetRepo } from '@simcard/db';
import { RateLimiter, type SlotGrant, type SlotRequest, type SlotSource } from './rate-limiter.js';

/** Lets calls through at the operator's rate. */
export interface RateGate {
  /** Resolves when the caller may send one call. */
  take(): Promise<void>;
}

/** How many calls this worker may have in flight to the operator now (its cluster share). */
export interface ConcurrencyCeiling {
  current(): number;
  /** Called whenever `current()` changes. */
  onChange(listener: () => void): void;
  /** Where the ceiling learns this worker's calls in flight (its allotment never drops below them). */
  watchInFlight(inFlight: () => number): void;
}

export interface OperatorBudget {
  rate: RateGate;
  /** Null: only this process's own concurrency applies. */
  ceiling: ConcurrencyCeiling | null;
  close(): Promise<void>;
}

/** What the adapters of one status API worker share with the other workers. */
export interface ClusterOptions {
  db: Db;
  /** This worker's name in the budget tables (default INSTANCE_ID plus a per-start suffix). */
  worker?: string;
  /** Heartbeat of the concurrency allotment (default 1 s). */
  beatMs?: number;
}

export interface BudgetSettings {
  operator: string;
  rateLimitPerSecond: number;
  concurrency: number;
  /** The longest one attempt may take: how long a call can outlive a worker's last heartbeat. */
  timeoutMs: number;
}

/** The budget of one operator: shared through PostgreSQL, or this process's own. */
export function createOperatorBudget(settings: BudgetSettings, cluster?: ClusterOptions | null): OperatorBudget {
  if (!cluster || isSqlite(cluster.db)) {
    const rate = new RateLimiter(settings.rateLimitPerSecond);
    return { rate, ceiling: null, close: () => Promise.resolve(rate.close()) };
  }
  // Several adapters in one process (tests start several workers) are told apart.
  const worker = cluster.worker ?? `${INSTANCE_ID}#${randomUUID().slice(0, 8)}`;
  const rate = new RateLimiter(settings.rateLimitPerSecond, new PostgresSlots(cluster.db, settings.operator));
  const ceiling = new ClusterConcurrency(cluster.db, {
    operator: settings.operator,
    worker,
    limit: settings.concurrency,
    beatMs: cluster.beatMs ?? 1000,
    callMs: settings.timeoutMs + 1000,
  });
  return {
    rate,
    ceiling,
    async close() {
      rate.close();
      await ceiling.close();
    },
  };
}

/**
 * The slots of the cluster: one PostgreSQL statement reserves a few (operatorBudgetRepository.
 * reserveSlots, the row's lock deciding between workers asking at once); periods long past are
 * forgotten now and then.
 */
export class PostgresSlots implements SlotSource {
  #lastForget = 0;

  constructor(
    private readonly db: Db,
    private readonly operator: string,
  ) {}

  async reserve(request: SlotRequest): Promise<SlotGrant> {
    const grant = await budgetRepo.reserveSlots(this.db, { operator: this.operator, ...request });
    if (grant.nowMs - this.#lastForget > 30_000) {
      this.#lastForget = grant.nowMs;
      void budgetRepo.forgetSlots(this.db, this.operator, Math.floor(grant.nowMs / request.periodMs) - 60).catch(() => undefined);
    }
    return grant;
  }
}

/**
 * This worker's share of the operator's concurrency. A heartbeat each `beatMs` records it
 * (operatorBudgetRepository.beatAllotment): the share grows only by what other workers left free
 * and shrinks at once. The ceiling is 0 until the first beat succeeds, and falls back to 0 when no
 * beat has succeeded for 3 beats: a worker cut off from the database stops starting calls long
 * before the others may take its share (lease = 3 beats + the longest call + 2 s).
 */
export class ClusterConcurrency implements ConcurrencyCeiling {
  #ceiling = 0;
  #listeners: Array<() => void> = [];
  #inFlight: () => number = () => 0;
  #timer: NodeJS.Timeout | null = null;
  #expiry: NodeJS.Timeout | null = null;
  #closed = false;
  #beating: Promise<void> | null = null;
  #everBeat = false;
  readonly #leaseMs: number;

  constructor(
    private readonly db: Db,
    private readonly options: { operator: string; worker: string; limit: number; beatMs: number; callMs: number },
  ) {
    this.#leaseMs = 3 * options.beatMs + options.callMs + 2000;
    this.#beating = this.#beat();
    this.#timer = setInterval(() => {
      this.#beating ??= this.#beat();
    }, options.beatMs);
    this.#timer.unref();
  }

  current(): number {
    return this.#ceiling;
  }

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  watchInFlight(inFlight: () => number): void {
    this.#inFlight = inFlight;
  }

  #set(ceiling: number): void {
    if (ceiling === this.#ceiling) return;
    this.#ceiling = ceiling;
    for (const l of this.#listeners) l();
  }

  async #beat(): Promise<void> {
    const { operator, worker, limit, beatMs } = this.options;
    try {
      const started = Date.now();
      const { allotted, target } = await budgetRepo.beatAllotment(this.db, {
        operator,
        worker,
        limit,
        leaseMs: this.#leaseMs,
        inFlight: this.#inFlight(),
      });
      if (this.#closed) return;
      this.#set(Math.min(allotted, target));
      // Valid for 3 beats from when this one started; the next success pushes it on.
      if (this.#expiry) clearTimeout(this.#expiry);
      this.#expiry = setTimeout(() => this.#set(0), Math.max(0, started + 3 * beatMs - Date.now()));
      this.#expiry.unref();
      this.#everBeat = true;
    } catch {
      // Kept until it expires; the next beat tries again (soon, while this worker has no share
      // yet: at start-up the table may be a migration away).
      if (!this.#everBeat && !this.#closed) setTimeout(() => (this.#beating ??= this.#beat()), 100).unref();
    } finally {
      this.#beating = null;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#expiry) clearTimeout(this.#expiry);
    await this.#beating;
    await budgetRepo.releaseAllotment(this.db, this.options.operator, this.options.worker).catch(() => undefined);
    // The adapter closed its pool first: whoever still waits for a place goes on and fails there.
    this.#set(Number.MAX_SAFE_INTEGER);
  }
}
