/**
 * What the simulated operator knows: the SIMs it was told about, the ones it has seen asked for,
 * how it misbehaves (latency, errors, timeouts, garbage, rate limiting, hanging bodies, connection
 * resets), and what it has answered so far.
 */
import { z } from 'zod';

export type SimStatus = 'inactive' | 'active' | 'blocked';

export interface SimRecord {
  status: SimStatus | 'not_found';
  msisdn: string | null;
  activatedAt: string | null;
}

export const SimConfig = z.strictObject({
  latency_ms: z.number().min(0).max(120_000),
  latency_max_ms: z.number().min(0).max(120_000).optional(),
  error_rate: z.number().min(0).max(1),
  timeout_rate: z.number().min(0).max(1),
  garbage_rate: z.number().min(0).max(1),
  sales_per_minute: z.number().min(0).max(1_000_000),
  // The faults below are optional, so a body with only the knobs above still sets a whole config.
  /** Share of calls answered 429 with `Retry-After: retry_after_s` (a rate-limiting operator). */
  rate_limit_rate: z.number().min(0).max(1).default(0),
  retry_after_s: z.number().int().min(0).max(3600).default(1),
  /** Share of calls answered 200 whose body starts and never finishes (headers sent, then silence). */
  hang_body_rate: z.number().min(0).max(1).default(0),
  /** Share of calls whose connection is torn down without an answer (ECONNRESET at the client). */
  reset_rate: z.number().min(0).max(1).default(0),
  /**
   * With latency_max_ms: each SIM keeps its own latency in [latency_ms, latency_max_ms] (some SIMs
   * always slow, as on a real operator's sharded backend) instead of a new random one per call.
   */
  latency_per_sim: z.boolean().default(false),
});
export type SimConfig = z.infer<typeof SimConfig>;

export const SimRecordBody = z.strictObject({
  status: z.enum(['inactive', 'active', 'blocked', 'not_found']),
  msisdn: z
    .string()
    .regex(/^\+?\d{7,15}$/)
    .nullish(),
  activated_at: z.iso.datetime({ offset: true }).nullish(),
});

export const DEFAULT_CONFIG: SimConfig = {
  latency_ms: 0,
  error_rate: 0,
  timeout_rate: 0,
  garbage_rate: 0,
  sales_per_minute: 0,
  rate_limit_rate: 0,
  retry_after_s: 1,
  hang_body_rate: 0,
  reset_rate: 0,
  latency_per_sim: false,
};

export interface SimStats {
  requests: number;
  answered: {
    ok: number;
    not_found: number;
    error: number;
    garbage: number;
    timeout: number;
    unauthorized: number;
    rate_limited: number;
    hung_body: number;
    reset: number;
  };
  sold_by_simulation: number;
  known_simcards: number;
  /**
   * Operator calls received in each second of the clock (the last 10 minutes), and the most in
   * any one: what a cluster's shared rate limit is judged by (issue 18).
   */
  calls_per_second: { max: number; seconds: Array<{ at: string; calls: number }> };
  /** Operator calls being answered now, and the most at once: the cluster's concurrency. */
  in_flight: number;
  in_flight_max: number;
}

/** Seconds of per-second counts kept. */
const SECONDS_KEPT = 600;

export class SimulatorState {
  config: SimConfig = { ...DEFAULT_CONFIG };
  readonly simcards = new Map<string, SimRecord>();
  /** ICCIDs asked about while inactive: the pool that simulated sales draw from. */
  readonly #saleCandidates = new Set<string>();
  #saleCredit = 0;
  stats: SimStats = emptyStats();
  /** Epoch second → operator calls received in it. */
  #perSecond = new Map<number, number>();
  #inFlight = 0;

  /**
   * An operator call arrived (counted before authentication, as `requests` is); it is in flight
   * until its response closes (answered, or torn down).
   */
  callArrived(res: { once(event: 'close', listener: () => void): unknown }, now: number = Date.now()): void {
    this.stats.requests++;
    const second = Math.floor(now / 1000);
    this.#perSecond.set(second, (this.#perSecond.get(second) ?? 0) + 1);
    if (this.#perSecond.size > SECONDS_KEPT) this.#perSecond.delete(this.#perSecond.keys().next().value!);
    this.#inFlight++;
    this.stats.in_flight_max = Math.max(this.stats.in_flight_max, this.#inFlight);
    res.once('close', () => this.#inFlight--);
  }

  lookup(iccid: string): SimRecord {
    const known = this.simcards.get(iccid);
    if (known) return known;
    this.#saleCandidates.add(iccid);
    return { status: 'inactive', msisdn: null, activatedAt: null };
  }

  set(iccid: string, record: SimRecord): void {
    this.simcards.set(iccid, record);
    if (record.status === 'inactive') this.#saleCandidates.add(iccid);
    else this.#saleCandidates.delete(iccid);
  }

  /** Called once a second: activates `sales_per_minute / 60` of the SIMs seen inactive, at random. */
  tickSales(now: Date = new Date()): string[] {
    this.#saleCredit += this.config.sales_per_minute / 60;
    const sold: string[] = [];
    while (this.#saleCredit >= 1 && this.#saleCandidates.size > 0) {
      this.#saleCredit -= 1;
      const iccid = pickRandom(this.#saleCandidates);
      const previous = this.simcards.get(iccid);
      this.set(iccid, { status: 'active', msisdn: previous?.msisdn ?? null, activatedAt: now.toISOString() });
      sold.push(iccid);
    }
    // Credit does not pile up while nobody is asking: a demo should not see a burst later.
    if (this.#saleCandidates.size === 0) this.#saleCredit = Math.min(this.#saleCredit, 1);
    this.stats.sold_by_simulation += sold.length;
    return sold;
  }

  snapshotStats(): SimStats {
    const seconds = [...this.#perSecond].map(([second, calls]) => ({ at: new Date(second * 1000).toISOString(), calls }));
    return {
      ...this.stats,
      answered: { ...this.stats.answered },
      known_simcards: this.simcards.size,
      calls_per_second: { max: Math.max(0, ...seconds.map((s) => s.calls)), seconds },
      in_flight: this.#inFlight,
    };
  }

  reset(): void {
    this.config = { ...DEFAULT_CONFIG };
    this.simcards.clear();
    this.#saleCandidates.clear();
    this.#saleCredit = 0;
    this.stats = emptyStats();
    this.#perSecond = new Map();
    // Calls still in flight keep counting down #inFlight as they close; only the peak restarts.
  }
}

/** The simulator's operators when it plays several (`/operators/{operator}/…`), each its own state. */
export class OperatorStates {
  readonly #states = new Map<string, SimulatorState>();

  get(operator: string): SimulatorState {
    let state = this.#states.get(operator);
    if (!state) {
      // Bounded: a typo in a URL must not grow the simulator without end.
      if (this.#states.size >= 64) throw new RangeError('at most 64 simulated operators');
      state = new SimulatorState();
      this.#states.set(operator, state);
    }
    return state;
  }

  all(): SimulatorState[] {
    return [...this.#states.values()];
  }
}

function emptyStats(): SimStats {
  return {
    requests: 0,
    answered: { ok: 0, not_found: 0, error: 0, garbage: 0, timeout: 0, unauthorized: 0, rate_limited: 0, hung_body: 0, reset: 0 },
    sold_by_simulation: 0,
    known_simcards: 0,
    calls_per_second: { max: 0, seconds: [] },
    in_flight: 0,
    in_flight_max: 0,
  };
}

function pickRandom(set: Set<string>): string {
  // Sets have no random access; walking up to a random index is fine at demo rates.
  let index = Math.floor(Math.random() * set.size);
  for (const value of set) if (index-- === 0) return value;
  return set.values().next().value as string;
}
