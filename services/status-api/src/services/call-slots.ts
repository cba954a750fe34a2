/**
 * At most `size` calls at once, the others waiting in the order they came: what p-limit does, for
 * the one place that asks it per SIM (a run's calls to its operator). p-limit makes about six
 * promises a call (its own, an internal one, an async runner and an async wrapper, and the
 * adoptions between them); this makes one, and none more when a slot is free. A check run's CPU
 * per SIM is a goal (issue 14), and every promise also runs the process's async hooks.
 */
export class CallSlots {
  #active = 0;
  /** Who waits for a slot, oldest first (`#head`: the next one; the array is trimmed now and then). */
  #waiting: Array<() => void> = [];
  #head = 0;

  constructor(readonly size: number) {}

  /** Runs `call` once a slot is free; the slot is held until its promise settles. */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#active < this.size) {
      this.#active++;
      return this.#go(call);
    }
    return new Promise<void>((resolve) => this.#waiting.push(resolve)).then(() => this.#go(call));
  }

  #go<T>(call: () => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = call();
    } catch (err) {
      this.#release();
      return Promise.reject(err as Error);
    }
    return result.then(
      (value) => {
        this.#release();
        return value;
      },
      (err: unknown) => {
        this.#release();
        throw err;
      },
    );
  }

  /** The slot goes to the next waiter (still counted active), or is freed. */
  #release(): void {
    if (this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head++]!;
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting = this.#waiting.slice(this.#head);
        this.#head = 0;
      }
      next();
      return;
    }
    this.#active--;
  }
}
