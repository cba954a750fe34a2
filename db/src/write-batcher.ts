/**
 * Group commit: many small writes that arrive together share one transaction.
 *
 * A check run makes thousands of tiny writes (one per SIM). One transaction each costs a commit
 * each and, on SQLite, lets concurrent writers contend for the single write lock (whose busy
 * handler sleeps). Here the first write starts a transaction at once; writes arriving while it
 * runs queue up and go together in the next one. Nothing waits on a timer, so a lone write is
 * as fast as before. When a batch fails, its writes are retried one by one, so one bad write
 * never takes the others down with it.
 */
import type { Knex } from 'knex';
import { writeTransaction, type Db } from './connection.js';

interface Pending {
  work: (trx: Knex.Transaction) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class WriteBatcher {
  readonly #queue: Pending[] = [];
  #flushing = false;

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 200,
  ) {}

  run<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        let results: unknown[];
        try {
          results = await writeTransaction(this.db, async (trx) => {
            const out = [];
            for (const p of batch) out.push(await p.work(trx));
            return out;
          });
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

  async #oneByOne(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      try {
        p.resolve(await writeTransaction(this.db, p.work));
      } catch (err) {
        p.reject(err);
      }
    }
  }
}
