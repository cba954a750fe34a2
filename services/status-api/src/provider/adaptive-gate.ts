/**
 * How many calls the operator gets at once, adapted to its 429s (additive increase,
 * multiplicative decrease, as TCP does): each 429 halves the calls allowed in flight (never
 * below one), each answered call adds back 1/allowed, up to `max`. A rate-limiting operator thus
 * slows a run down instead of failing it; the call that got the 429 also waits its Retry-After.
 * With several workers on one PostgreSQL a ceiling (this worker's share of the operator's
 * concurrency, operator-budget.ts) caps it further and may be 0 for a moment.
 */
import type { ConcurrencyCeiling } from './operator-budget.js';

export class AdaptiveGate {
  #allowed: number;
  #inFlight = 0;
  #waiters: Array<() => void> = [];

  constructor(
    private readonly max: number,
    private readonly ceiling: ConcurrencyCeiling | null = null,
  ) {
    this.#allowed = max;
    ceiling?.watchInFlight(() => this.#inFlight);
    ceiling?.onChange(() => this.#wake());
  }

  /** Calls allowed in flight now. */
  get allowed(): number {
    const own = Math.max(1, Math.floor(this.#allowed));
    return this.ceiling ? Math.min(own, this.ceiling.current()) : own;
  }

  /** Calls in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Enters at once when a call is allowed (undefined: no promise, no await); else resolves on entering. */
  enter(): Promise<void> | undefined {
    if (this.#inFlight < this.allowed) {
      this.#inFlight++;
      return undefined;
    }
    return this.#waitToEnter();
  }

  async #waitToEnter(): Promise<void> {
    while (this.#inFlight >= this.allowed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#inFlight++;
  }

  leave(): void {
    this.#inFlight--;
    this.#wake();
  }

  onAnswered(): void {
    if (this.#allowed >= this.max) return;
    this.#allowed = Math.min(this.max, this.#allowed + 1 / this.#allowed);
    this.#wake();
  }

  onRateLimited(): void {
    this.#allowed = Math.max(1, this.#allowed / 2);
  }

  #wake(): void {
    let free = this.allowed - this.#inFlight;
    while (free-- > 0 && this.#waiters.length > 0) this.#waiters.shift()!();
  }
}
