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
 */
import type { Knex } from 'knex';
import { type Db, writeTransaction } from './connection.js';

/** What a batch adds up as its writes run, and writes at the end of its transaction. */
export interface BatchTally<C> {
  start(): C;
  write(trx: Knex.Transaction, tally: C): Promise<void>;
}

interface Pending<C> {
  work: (trx: Knex.Transaction, tally: C) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class WriteBatcher<C = undefined> {
  readonly #queue: Pending<C>[] = [];
  #flushing = false;

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 200,
    private readonly tally: BatchTally<C> | null = null,
  ) {}

  run<T>(work: (trx: Knex.Transaction, tally: C) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  /** Runs the writes in `trx`, then writes their tally. */
  async #inTransaction(trx: Knex.Transaction, batch: Pending<C>[]): Promise<unknown[]> {
    const tally = (this.tally ? this.tally.start() : undefined) as C;
    const out = [];
    for (const p of batch) out.push(await p.work(trx, tally));
    if (this.tally) await this.tally.write(trx, tally);
    return out;
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        let results: unknown[];
        try {
          results = await writeTransaction(this.db, (trx) => this.#inTransaction(trx, batch));
        } catch {
          await this.#oneByOne(batch);
          continue;
        }
        batch.forEach((p, i) => p.resolve(results[i]));
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #oneByOne(batch: Pending<C>[]): Promise<void> {
    for (const p of batch) {
      try {
        p.resolve((await writeTransaction(this.db, (trx) => this.#inTransaction(trx, [p])))[0]);
      } catch (err) {
        p.reject(err);
      }
    }
  }
}
