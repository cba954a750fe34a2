/**
 * The live event feed behind `GET /events`: newly sold SIMs and check-run progress.
 *
 * It reads the database (the status API writes every sale to `status_check_logs`), once a second
 * and only while someone listens, so it works whichever process made the sale and survives
 * either service restarting. Run progress comes from the status API, which owns its ETA.
 *
 * A stream lives only as long as its right to: every `recheckMs` (and before any sale is sent)
 * each stream's credential is authenticated again, so a sign-out, a deactivated user, a staff
 * member moved to another shop or a role change ends the stream within a few seconds, and a sale
 * is only ever sent to a scope checked in the same poll (while that check cannot be made, the
 * sales wait for a poll that can make it). One user (or API key) has at most
 * `maxStreamsPerUser` streams: a new one ends the oldest.
 */
import type { Logger, Principal } from '@simcard/common';
import { authenticateCredentials, AuthenticationError, type Authenticator, type Credential, isAdmin, shopScope } from '@simcard/common';
import { checkRunsRepository, type Db, now, statusCheckLogsRepository } from '@simcard/db';
import { presentSimcard } from '../presenters/core.js';
import type { StatusChecksService } from './status-checks.js';

export type FeedEventName = 'simcard.sold' | 'check_run';
export type FeedListener = (event: FeedEventName, data: unknown) => void;

/** Why a stream was ended by the feed (sent to the client as `event: stream_ended`). */
export type EndReason = 'signed_out' | 'scope_changed' | 'too_many_streams' | 'server_stopping';

export interface SubscribeOptions {
  /** What the stream was opened with: authenticated again every `recheckMs`. */
  credential: Credential;
  /** Ends the stream (the feed has already forgotten it). */
  end: (reason: EndReason) => void;
}

export interface EventFeedOptions {
  /** Checks each stream's credential again (a stream whose credential is refused is ended). */
  authenticator: Authenticator;
  intervalMs?: number;
  /** How often every stream's credential is checked again (the bound on a revoked stream's life, plus a poll). */
  recheckMs?: number;
  maxStreamsPerUser?: number;
}

interface Subscriber {
  /** Whose streams these are, for the per-user cap: a user, or an API key. */
  owner: string;
  /** null: every shop (admins). */
  shopId: number | null;
  admin: boolean;
  listener: FeedListener;
  credential: Credential;
  /** Streams with the same credential are rechecked once for all. */
  credentialKey: string;
  end: (reason: EndReason) => void;
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
  /** Counts stops: a poll begun before the feed stopped (and was listened to again) sends nothing. */
  #epoch = 0;
  #recheckedAt = 0;
  private readonly authenticator: Authenticator;
  private readonly intervalMs: number;
  private readonly recheckMs: number;
  private readonly maxStreamsPerUser: number;

  constructor(
    private readonly db: Db,
    private readonly checks: StatusChecksService,
    private readonly log: Logger,
    options: EventFeedOptions,
  ) {
    this.authenticator = options.authenticator;
    this.intervalMs = options.intervalMs ?? 1000;
    this.recheckMs = options.recheckMs ?? 2000;
    this.maxStreamsPerUser = options.maxStreamsPerUser ?? 5;
  }

  /** Resolves once the feed has its starting point: every sale after that reaches the listener. */
  async subscribe(principal: Principal, listener: FeedListener, options: SubscribeOptions): Promise<() => void> {
    if (this.#cursor === null) {
      this.#runsCheckedAt = now();
      this.#cursor = await statusCheckLogsRepository.latestId(this.db);
    }
    const owner = principal.apiKey ? `key:${principal.apiKey.id}` : `user:${principal.userId}`;
    const subscriber: Subscriber = {
      owner,
      ...scopeOf(principal),
      listener,
      credential: options.credential,
      credentialKey: `${options.credential.kind}:${options.credential.value}`,
      end: options.end,
    };
    // The Set keeps insertion order: the first of this owner's streams found is its oldest.
    const mine = [...this.#subscribers].filter((s) => s.owner === owner);
    for (const old of mine.slice(0, Math.max(0, mine.length - this.maxStreamsPerUser + 1))) this.#end(old, 'too_many_streams');
    this.#subscribers.add(subscriber);
    this.#schedule();
    return () => this.#forget(subscriber);
  }

  /** How many streams are open (tests, metrics). */
  get size(): number {
    return this.#subscribers.size;
  }

  #forget(subscriber: Subscriber): void {
    this.#subscribers.delete(subscriber);
    if (this.#subscribers.size === 0) this.#stop();
  }

  #end(subscriber: Subscriber, reason: EndReason): void {
    if (!this.#subscribers.has(subscriber)) return;
    this.#forget(subscriber);
    subscriber.end(reason);
  }

  /**
   * Authenticates every stream's credential again (one lookup for all of them, each distinct
   * credential once): a stream whose credential is refused, or whose scope is no longer the one
   * it opened with, is ended. False when the check itself failed: no stream's scope is known then.
   */
  async #recheckAll(): Promise<boolean> {
    this.#recheckedAt = Date.now();
    const byCredential = new Map<string, Subscriber[]>();
    for (const s of this.#subscribers) byCredential.set(s.credentialKey, [...(byCredential.get(s.credentialKey) ?? []), s]);
    const groups = [...byCredential.values()];
    let answers;
    try {
      answers = await authenticateCredentials(
        this.authenticator,
        groups.map((g) => g[0]!.credential),
      );
    } catch (err) {
      // A database hiccup is not a sign-out: only an authentication refusal ends a stream.
      this.log.warn('event stream recheck failed', { error: (err as Error).message });
      return false;
    }
    for (const [i, subscribers] of groups.entries()) {
      const answer = answers[i]!;
      const scope = answer instanceof AuthenticationError ? null : scopeOf(answer);
      for (const s of subscribers) {
        if (!scope) this.#end(s, 'signed_out');
        else if (scope.shopId !== s.shopId || scope.admin !== s.admin) this.#end(s, 'scope_changed');
      }
    }
    return true;
  }

  async close(): Promise<void> {
    // Each stream is told and ended, so that a draining server is not held open by them.
    for (const s of [...this.#subscribers]) this.#end(s, 'server_stopping');
    this.#subscribers.clear();
    this.#stop();
    await this.#polling;
  }

  #schedule(): void {
    // One chain of polls, never two (two would send each sale twice, issue 16): while a poll
    // runs, its end schedules the next, also when the last listener left and a new one came.
    if (this.#timer || this.#polling || this.#subscribers.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#polling = this.#poll()
        .catch((err: unknown) => this.log.warn('event feed poll failed', { error: (err as Error).message }))
        .finally(() => {
          this.#polling = null;
          this.#schedule();
        });
    }, this.intervalMs);
  }

  #stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    // The next listener starts from what is new then, not from what it missed while nobody listened.
    this.#cursor = null;
    this.#epoch++;
  }

  async #poll(): Promise<void> {
    const epoch = this.#epoch;
    let checked = false;
    if (Date.now() - this.#recheckedAt >= this.recheckMs) checked = await this.#recheckAll();
    for (;;) {
      if (this.#cursor === null) return; // everyone left meanwhile
      const sales = await statusCheckLogsRepository.salesAfter(this.db, this.#cursor, BATCH);
      if (epoch !== this.#epoch) return; // stopped meanwhile: the new listeners start after these
      // Scope is checked again before any sale goes out: never a sale to a stream that lost its shop.
      // Fails closed: while the check cannot be made, the sales wait (the cursor stays) for a poll that can.
      if (sales.length > 0 && !checked) {
        checked = await this.#recheckAll();
        if (!checked || this.#cursor === null || epoch !== this.#epoch) return; // unchecked, or every stream was ended
      }
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

/** What a principal may see on the feed. A staff member without a shop matches no shop (-1), never every shop. */
function scopeOf(principal: Principal): { shopId: number | null; admin: boolean } {
  return isAdmin(principal) ? { shopId: null, admin: true } : { shopId: shopScope(principal) ?? -1, admin: false };
}
