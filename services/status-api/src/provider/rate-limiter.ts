/**
 * Spaces requests at least 1/rate seconds apart, whatever the concurrency: the operator's limit
 * (PROVIDER_RATE_LIMIT per second) is never exceeded in any one-second window. Retries take a
 * slot like any request. A rate of 0 means no limit.
 */
export class RateLimiter {
  #next = 0;
  readonly #intervalMs: number;

  constructor(ratePerSecond: number) {
    this.#intervalMs = ratePerSecond > 0 ? 1000 / ratePerSecond : 0;
  }

  /** Resolves when the caller may send. */
  async take(): Promise<void> {
    if (this.#intervalMs === 0) return;
    const now = performance.now();
    const slot = Math.max(now, this.#next);
    this.#next = slot + this.#intervalMs;
    if (slot > now) await new Promise((r) => setTimeout(r, Math.ceil(slot - now)));
  }
}
