/**
 * Stops calling an operator that keeps failing. Closed: calls pass, consecutive failures are
 * counted. After `failureThreshold` in a row it opens: calls fail at once for `openMs`. Then one
 * probe call is let through (half-open): success closes it, failure opens it again. A threshold
 * of consecutive failures (not "any failure") means one early error never opens it.
 *
 * It also keeps what runs and alerts need to know about an outage: since when every call has
 * failed (`failingSince`: a run gives up after RUN_GIVE_UP_AFTER_MIN of it), since when it has not
 * been closed (`downSince`: the provider.down alert and /health), and a way to wait until a call
 * may go out (`whenCallable`), so a caller waits for the probe instead of failing.
 */
export interface CircuitBreakerOptions {
  failureThreshold: number;
  openMs: number;
  now?: () => number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

const CALLABLE = Promise.resolve();

export class CircuitBreaker {
  #failures = 0;
  #openedAt = 0;
  #state: BreakerState = 'closed';
  #probeInFlight = false;
  #failingSince: number | null = null;
  #downSince: number | null = null;
  /** Callers waiting for the half-open probe to decide. */
  #probeWaiters: Array<() => void> = [];
  readonly #now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.#now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.options.openMs) this.#state = 'half_open';
    return this.#state;
  }

  /** Since when (ms since the epoch) every call has failed; null once one succeeded. */
  get failingSince(): number | null {
    return this.#failingSince;
  }

  /** Since when the breaker has been open or half-open without closing; null while closed. */
  get downSince(): number | null {
    return this.#downSince;
  }

  /** Whether a call may go out now; in half-open, only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'half_open' && !this.#probeInFlight) {
      this.#probeInFlight = true;
      return true;
    }
    return false;
  }

  /**
   * Resolves once a call may be tried: at once while closed; when the open period ends; or when
   * the probe in flight has decided. It reserves nothing: `tryAcquire` may still refuse (another
   * caller took the probe), and the caller then waits again. Closed (nearly always): a settled
   * promise made once (a run asks before each SIM; an async function would make one each time).
   */
  whenCallable(): Promise<void> {
    return this.state === 'closed' ? CALLABLE : this.#waitCallable();
  }

  async #waitCallable(): Promise<void> {
    for (;;) {
      const state = this.state;
      if (state === 'closed') return;
      if (state === 'open') {
        const left = this.options.openMs - (this.#now() - this.#openedAt);
        await new Promise((r) => setTimeout(r, Math.max(1, left)));
        continue;
      }
      if (!this.#probeInFlight) return;
      await new Promise<void>((resolve) => this.#probeWaiters.push(resolve));
    }
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#state = 'closed';
    this.#failingSince = null;
    this.#downSince = null;
    this.#probeDecided();
  }

  /** Back to closed with no failures counted (tests, and an operator who knows the outage is over). */
  reset(): void {
    this.onSuccess();
  }

  onFailure(): void {
    this.#failures++;
    this.#failingSince ??= this.#now();
    if (this.#state === 'half_open' || this.#failures >= this.options.failureThreshold) {
      this.#state = 'open';
      this.#openedAt = this.#now();
      this.#downSince ??= this.#openedAt;
    }
    this.#probeDecided();
  }

  /**
   * A call that neither succeeded nor failed (the operator asked us to slow down, or the call was
   * abandoned): a probe slot it held is freed without deciding anything.
   */
  onNeutral(): void {
    this.#probeDecided();
  }

  #probeDecided(): void {
    this.#probeInFlight = false;
    const waiters = this.#probeWaiters;
    this.#probeWaiters = [];
    for (const wake of waiters) wake();
  }
}
