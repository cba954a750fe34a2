/**
 * The live event feed behind `GET /events`: newly sold SIMs and check-run progress.
 *
 * It reads the database (the status API writes every sale to `status_check_logs`), once a second
 * and only while someone listens, so it works whichever process made the sale and survives
 * either service restarting. Run progress comes from the status API, which owns its ETA.
 */
import type { Logger, Principal } from '@simcard/common';
import { checkRunsRepository, now, statusCheckLogsRepository, type Db } from '@simcard/db';
import { presentSimcard } from '../presenters.js';
import type { StatusChecksService } from './status-checks.js';

export type FeedEventName = 'simcard.sold' | 'check_run';
export type FeedListener = (event: FeedEventName, data: unknown) => void;

interface Subscriber {
  /** null: every shop (admins). */
  shopId: number | null;
  admin: boolean;
  listener: FeedListener;
}

const BATCH = 500;

export class EventFeed {
  readonly #subscribers = new Set<Subscriber>();
  #timer: NodeJS.Timeout | null = null;
  /** The last sale sent; null while nobody listens. */
  #cursor: number | null = null;
  #runsCheckedAt: ReturnType<typeof now> = now();
  /** Runs seen running at the last poll, with what was last sent of each. */
  readonly #runs = new Map<number, string>();
  #polling: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly checks: StatusChecksService,
    private readonly log: Logger,
    private readonly intervalMs = 1000,
  ) {}

  /** Resolves once the feed has its starting point: every sale after that reaches the listener. */
  async subscribe(principal: Principal, listener: FeedListener): Promise<() => void> {
    if (this.#cursor === null) {
      this.#runsCheckedAt = now();
      this.#cursor = await statusCheckLogsRepository.latestId(this.db);
    }
    const admin = principal.role === 'admin';
    // A staff member without a shop matches no shop (-1), never every shop.
    const subscriber: Subscriber = { shopId: admin ? null : (principal.shopId ?? -1), admin, listener };
    this.#subscribers.add(subscriber);
    this.#schedule();
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) this.#stop();
    };
  }

  async close(): Promise<void> {
    this.#subscribers.clear();
    this.#stop();
    await this.#polling;
  }

  #schedule(): void {
    if (this.#timer || this.#subscribers.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#polling = this.#poll()
        .catch((err: unknown) => this.log.warn('event feed poll failed', { error: (err as Error).message }))
        .finally(() => {
          this.#polling = null;
          this.#timer = null;
          this.#schedule();
        });
    }, this.intervalMs);
  }

  #stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    // The next listener starts from what is new then, not from what it missed while nobody listened.
    this.#cursor = null;
  }

  async #poll(): Promise<void> {
    for (;;) {
      if (this.#cursor === null) return; // everyone left meanwhile
      const sales = await statusCheckLogsRepository.salesAfter(this.db, this.#cursor, BATCH);
      for (const sale of sales) {
        this.#cursor = sale.log_id;
        const data = { simcard: presentSimcard(sale) };
        for (const s of this.#subscribers) if (s.shopId === null || s.shopId === sale.shop_id) s.listener('simcard.sold', data);
      }
      if (sales.length < BATCH) break;
    }
    await this.#pollRuns();
  }

  async #pollRuns(): Promise<void> {
    if (![...this.#subscribers].some((s) => s.admin)) return;
    const checkedAt = now();
    // Runs touched since the last poll (a short run may start and end between two polls), and
    // those seen running before, fetched once more for their final state.
    const ids = new Set([...this.#runs.keys(), ...(await checkRunsRepository.idsActiveSince(this.db, this.#runsCheckedAt))]);
    this.#runsCheckedAt = checkedAt;
    for (const id of ids) {
      let run;
      try {
        run = await this.checks.getRun(id);
      } catch {
        continue; // the status API is down: progress resumes when it is back
      }
      const json = JSON.stringify(run);
      if (this.#runs.get(id) !== json) for (const s of this.#subscribers) if (s.admin) s.listener('check_run', run);
      if (run.status === 'running') this.#runs.set(id, json);
      else this.#runs.delete(id);
    }
  }
}
