/**
 * Group commit: many small writes that arrive together share one transaction.
 *
 * A check run makes thousands of tiny writes (one per SIM). One transaction each costs a commit
 * each and, on SQLite, lets concurrent writers contend for the single write lock (whose busy
 * handler sleeps). Here the first write starts a transaction at once; writes arriving while it
 * runs queue up and go together in the next one. Nothing waits on a timer, so a lone write is
 * as fast as before. When a batch fails, its writes are retried one by one, so one bad write
 * never takes the others down with it.
 *
 * A batch may also carry a tally (`BatchTally`): each write adds to the batch's tally, which is
 * written once, last, in the same transaction (the check counters, migration 1202). A batch
 * that fails takes its tally with it; the writes retried one by one each bring their own.
 *
 * A write nobody waits for (a check run's) may `linger`: it waits up to that many ms for others
 * to join its batch, unless a batch is due anyway (a write that does not linger, or a full one).
 * On a lightly loaded database batches are otherwise a few writes each, and every statement
 * costs a thread pool round trip (SQLite) or a network one (PostgreSQL).
 */
import type { Knex } from 'knex';
import { type Db, writeTransaction } from './connection.js';

/**
 * Tries of a write chosen as a deadlock's victim. Several status API processes on PostgreSQL
 * lock rows in no common order (a batch's SIMs credit their shops' sales rows, then the run's
 * counters row; issue 18): a batch that deadlocks is tried again, then one by one, each of those again too.
 */
const MAX_DEADLOCK_TRIES = 8;
/** Chosen as a deadlock's victim (PostgreSQL): not the writes' fault; tried again after a pause. */
const isDeadlock = (err: unknown) => (err as { code?: unknown } | null)?.code === '40P01';
/** A random pause growing with the tries, so that the writers that deadlocked do not meet again at once. */
const deadlockPause = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 25 * attempt));

/** What a batch adds up as its writes run, and writes at the end of its transaction. */
export interface BatchTally<C> {
  start(): C;
  write(trx: Knex.Transaction, tally: C): Promise<void>;
}

/**
 * A write: given the batch's transaction and tally, it answers its result, or a promise of it. A
 * write that only adds to the tally (a check run's common answer: the tally writes it) answers at
 * once, without the promise and the wait an async function costs for every SIM of a run.
 */
export type BatchWork<C, T> = (trx: Knex.Transaction, tally: C) => T | PromiseLike<T>;

interface Pending<C> {
  work: BatchWork<C, unknown>;
  /** When the write must go (performance.now() ms); 0: at once. */
  due: number;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class WriteBatcher<C = undefined> {
  readonly #queue: Pending<C>[] = [];
  #flushing = false;
  #lingering: NodeJS.Timeout | null = null;
  /** When `#lingering` fires (performance.now() ms). */
  #lingerUntil = 0;

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 200,
    private readonly tally: BatchTally<C> | null = null,
    /**
     * Every batch's first statement writes (see `writeTransaction`'s `firstStatementWrites`): on
     * SQLite, the statement that only takes the write lock is left out, one of a batch's few.
     */
    private readonly options: { firstStatementWrites?: boolean } = {},
  ) {}

  run<T>(work: BatchWork<C, T>, lingerMs = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const due = lingerMs > 0 ? performance.now() + lingerMs : 0;
      this.#queue.push({ work, due, resolve: resolve as (v: unknown) => void, reject });
      if (this.#flushing) return;
      // The timer set for an earlier write fires first anyway: a write that may wait as long
      // leaves it be (a run queues a write a SIM; a new timer each would be most of the work here).
      if (this.#lingering && due >= this.#lingerUntil && this.#queue.length < this.maxBatch) return;
      this.#flushOrLinger();
    });
  }

  /** Flushes now, unless every queued write may still wait for company: then when the first of them is due. */
  #flushOrLinger(): void {
    if (this.#lingering) clearTimeout(this.#lingering);
    this.#lingering = null;
    const wait = this.#lingerFor();
    if (wait <= 0) {
      void this.#flush();
      return;
    }
    this.#lingerUntil = performance.now() + wait;
    this.#lingering = setTimeout(() => {
      this.#lingering = null;
      if (!this.#flushing) void this.#flush();
    }, wait);
  }

  /** How long the queue may still wait (ms): 0 when a write is due, or a batch is full. */
  #lingerFor(): number {
    if (this.#queue.length >= this.maxBatch) return 0;
    let first = Infinity;
    for (const p of this.#queue) first = Math.min(first, p.due);
    return first === Infinity ? 0 : Math.max(0, Math.ceil(first - performance.now()));
  }

  /** Runs the writes in `trx`, then writes their tally. */
  async #inTransaction(trx: Knex.Transaction, batch: Pending<C>[]): Promise<unknown[]> {
    const tally = (this.tally ? this.tally.start() : undefined) as C;
    const out = [];
    for (const p of batch) {
      const result = p.work(trx, tally);
      out.push(isThenable(result) ? await result : result);
    }
    if (this.tally) await this.tally.write(trx, tally);
    return out;
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        // Writes that came during the last transaction may wait for more (see `linger`).
        if (this.#lingerFor() > 0) break;
        const batch = this.#queue.splice(0, this.maxBatch);
        let results: unknown[] | undefined;
        for (let attempt = 1; !results; attempt++) {
          try {
            results = await writeTransaction(this.db, (trx) => this.#inTransaction(trx, batch), this.options);
          } catch (err) {
            if (attempt < MAX_DEADLOCK_TRIES && isDeadlock(err)) await deadlockPause(attempt);
            else break;
          }
        }
        if (!results) {
          await this.#oneByOne(batch);
          continue;
        }
        batch.forEach((p, i) => p.resolve(results[i]));
      }
    } finally {
      this.#flushing = false;
      if (this.#queue.length > 0) this.#flushOrLinger();
    }
  }

  async #oneByOne(batch: Pending<C>[]): Promise<void> {
    for (const p of batch) {
      for (let attempt = 1; ; attempt++) {
        try {
          p.resolve((await writeTransaction(this.db, (trx) => this.#inTransaction(trx, [p]), this.options))[0]);
        } catch (err) {
          if (attempt < MAX_DEADLOCK_TRIES && isDeadlock(err)) {
            await deadlockPause(attempt);
            continue;
          }
          p.reject(err);
        }
        break;
      }
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
