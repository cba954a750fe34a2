/**
 * The operator's calls-per-second limit (PROVIDER_RATE_LIMIT, a provider's `rate_limit`), never
 * exceeded in any second of the clock, whatever the concurrency and however late timers fire.
 *
 * Time is cut into periods of one second (a rate under 1: one period of 1/rate seconds) holding
 * `floor(rate)` numbered slots spread over the period's first 800 ms (the last fifth, at most
 * 200 ms, is a margin for network delay and clock skew). A caller is let through at a slot's
 * time and at most a little after it (half a slot, at least 10 ms, and never past the span); a
 * slot reached later is dropped, never used late, so a stalled event loop makes fewer calls, not
 * a burst. Slots are times of this host's clock: the hosts of a cluster keep their clocks in sync
 * (NTP), well within the 200 ms margin. Slots come from a `SlotSource`: this process's own
 * (`MemorySlots`), or PostgreSQL's, shared by every worker of a cluster (operator-budget.ts),
 * reserved a few at a time so the database sees one short statement per few calls.
 */

export interface SlotGrant {
  /** Period number since the epoch. */
  bucket: number;
  /** The first slot index granted; the grant is `[first, first + granted)`. */
  first: number;
  granted: number;
  /** The `nowMs` it was reserved at. */
  nowMs: number;
}

export interface SlotRequest {
  /** The time to reserve from (the caller's clock, a little ahead for the round trip): no slot before it. */
  nowMs: number;
  periodMs: number;
  /** The slots are spread over the period's first `spanMs`. */
  spanMs: number;
  capacity: number;
  want: number;
  /** Reserve in this period or later (the current one when it is earlier). */
  minBucket: number;
}

/** Where slots are reserved: in the current period (never a slot already past) or `minBucket`. */
export interface SlotSource {
  reserve(request: SlotRequest): Promise<SlotGrant>;
}

/** This process's slots: the same rules as the shared table (operatorBudgetRepository.reserveSlots). */
export class MemorySlots implements SlotSource {
  readonly #next = new Map<number, number>();

  reserve({ nowMs, periodMs, spanMs, capacity, want, minBucket }: SlotRequest): Promise<SlotGrant> {
    const current = Math.floor(nowMs / periodMs);
    const bucket = Math.max(current, minBucket);
    const first = bucket === current ? Math.ceil(((nowMs - bucket * periodMs) * capacity) / spanMs) : 0;
    const start = Math.max(this.#next.get(bucket) ?? 0, first);
    const end = Math.min(capacity, start + want);
    this.#next.set(bucket, Math.max(this.#next.get(bucket) ?? 0, Math.min(capacity, Math.max(start, end))));
    for (const b of this.#next.keys()) if (b < current) this.#next.delete(b);
    return Promise.resolve({ bucket, first: start, granted: Math.max(0, end - start), nowMs });
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RateLimiter {
  readonly #periodMs: number;
  readonly #spanMs: number;
  readonly #capacity: number;
  readonly #intervalMs: number;
  readonly #batch: number;
  #waiters: Array<() => void> = [];
  /** Reserved slots (ms since the epoch), in order. */
  #slots: Array<{ at: number; spanEnd: number }> = [];
  #minBucket = 0;
  /** The source's round trip, smoothed: reservations start this far ahead, so their first slot is not past on arrival. */
  #rttMs = 0;
  #pumping = false;
  #closed = false;
  /** Slots reserved but reached too late, so not used. */
  dropped = 0;

  /** A rate of 0 means no limit. */
  constructor(
    ratePerSecond: number,
    private readonly source: SlotSource = new MemorySlots(),
  ) {
    if (ratePerSecond >= 1) {
      this.#periodMs = 1000;
      this.#capacity = Math.floor(ratePerSecond);
    } else {
      this.#periodMs = ratePerSecond > 0 ? Math.ceil(1000 / ratePerSecond) : 0;
      this.#capacity = 1;
    }
    // The last fifth of a period (at most 200 ms) has no slot: a call sent in one second still
    // reaches the operator in that second of its clock despite network delay and clock skew.
    this.#spanMs = this.#periodMs - Math.min(200, this.#periodMs / 5);
    this.#intervalMs = this.#spanMs / this.#capacity;
    this.#batch = Math.max(1, Math.ceil(this.#capacity / 4));
  }

  /** Resolves when the caller may send. */
  take(): Promise<void> {
    if (this.#periodMs === 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      void this.#pump();
    });
  }

  /** Lets whoever waits go (the adapter is closing: their calls fail on its closed pool). */
  close(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      const tolerance = Math.max(this.#intervalMs / 2, 10);
      while (this.#waiters.length > 0 && !this.#closed) {
        if (this.#slots.length === 0) await this.#reserve(Math.min(this.#waiters.length, this.#batch));
        const slot = this.#slots.shift();
        if (!slot) continue;
        const wait = slot.at - Date.now();
        if (wait > 0) await sleep(wait);
        const now = Date.now();
        if (now >= slot.at + tolerance || now >= slot.spanEnd) {
          this.dropped++;
          continue;
        }
        this.#waiters.shift()?.();
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #reserve(want: number): Promise<void> {
    for (let failures = 0; !this.#closed;) {
      const sent = Date.now();
      let grant: SlotGrant;
      try {
        grant = await this.source.reserve({
          nowMs: sent + Math.min(200, this.#rttMs),
          periodMs: this.#periodMs,
          spanMs: this.#spanMs,
          capacity: this.#capacity,
          want,
          minBucket: this.#minBucket,
        });
      } catch {
        // The source (the database) is away: nothing is sent until a slot can be had.
        await sleep(Math.min(2000, 100 * 2 ** failures++));
        continue;
      }
      const received = Date.now();
      this.#rttMs = this.#rttMs === 0 ? received - sent : 0.8 * this.#rttMs + 0.2 * (received - sent);
      // A short grant means the period is used up: the next reservation is in the next one.
      this.#minBucket = grant.granted < want ? grant.bucket + 1 : grant.bucket;
      const start = grant.bucket * this.#periodMs;
      for (let i = grant.first; i < grant.first + grant.granted; i++) {
        this.#slots.push({ at: start + i * this.#intervalMs, spanEnd: start + this.#spanMs });
      }
      if (grant.granted > 0) return;
      // Nothing left in this period: ask again shortly before the next one starts.
      const until = this.#minBucket * this.#periodMs - this.#periodMs / 2 - Date.now();
      if (until > 0) await sleep(until);
    }
  }
}
