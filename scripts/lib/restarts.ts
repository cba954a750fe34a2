/**
 * When a part of `npm start` crashes it is started again, after a pause that doubles with each
 * crash in a row (1 s, 2 s, 4 s, … at most 30 s), so a part that dies at once does not spin. A
 * part that ran a minute before crashing starts the count afresh. After 10 crashes in a row
 * (each within a minute of its start) it is given up on: something is wrong that a restart
 * will not fix (a bad file, a port taken by another program), and everything stops, naming it.
 */
export interface RestartPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  /** A run at least this long resets the count. */
  healthyAfterMs: number;
  /** Crashes in a row after which the part is given up on. */
  maxCrashesInARow: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  firstDelayMs: 1000,
  maxDelayMs: 30_000,
  healthyAfterMs: 60_000,
  maxCrashesInARow: 10,
};

export type RestartDecision = { restart: true; delayMs: number; attempt: number } | { restart: false; crashes: number };

/** The crash count of one part and what to do about its next crash. */
export class RestartBackoff {
  #crashesInARow = 0;

  constructor(private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY) {}

  /** The part crashed after running `ranMs`: restart it (after how long), or give up. */
  crashed(ranMs: number): RestartDecision {
    this.#crashesInARow = ranMs >= this.policy.healthyAfterMs ? 1 : this.#crashesInARow + 1;
    if (this.#crashesInARow > this.policy.maxCrashesInARow) return { restart: false, crashes: this.#crashesInARow - 1 };
    const delayMs = Math.min(this.policy.maxDelayMs, this.policy.firstDelayMs * 2 ** (this.#crashesInARow - 1));
    return { restart: true, delayMs, attempt: this.#crashesInARow };
  }
}
