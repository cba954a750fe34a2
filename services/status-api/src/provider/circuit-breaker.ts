/**
 * Stops calling an operator that keeps failing. Closed: calls pass, consecutive failures are
 * counted. After `failureThreshold` in a row it opens: calls fail at once for `openMs`. Then one
 * probe call is let through (half-open): success closes it, failure opens it again. A threshold
 * of consecutive failures (not "any failure") means one early error never opens it.
 */
export interface CircuitBreakerOptions {
  failureThreshold: number;
  openMs: number;
  now?: () => number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  #failures = 0;
  #openedAt = 0;
  #state: BreakerState = 'closed';
  #probeInFlight = false;
  readonly #now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.#now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.options.openMs) this.#state = 'half_open';
    return this.#state;
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

  onSuccess(): void {
    this.#failures = 0;
    this.#probeInFlight = false;
    this.#state = 'closed';
  }

  /** Back to closed with no failures counted (tests, and an operator who knows the outage is over). */
  reset(): void {
    this.onSuccess();
  }

  onFailure(): void {
    this.#probeInFlight = false;
    this.#failures++;
    if (this.#state === 'half_open' || this.#failures >= this.options.failureThreshold) {
      this.#state = 'open';
      this.#openedAt = this.#now();
    }
  }
}
