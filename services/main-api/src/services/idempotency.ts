/**
 * `Idempotency-Key` for requests that write (IETF httpapi draft, as Stripe does it): keys are
 * scoped to (user, route, key); the first answer is stored and replayed to retries; the same key
 * with another request is 422; a retry while the first is still running is 409.
 *
 * A claim is held by a process, not just for a time: it names its owner (this host's boot id,
 * the pid, this process's instance id and a nonce) and carries a lease the running request
 * renews. A claim whose owner is gone is taken over at once by the retry — on the same host a
 * dead pid (or our own pid under another instance: a restart that got the same pid) is proof
 * enough; from another host, or while the pid is in use, the lease must have lapsed. So a retry
 * after kill -9 mid-import is processed instead of getting 409 for 15 minutes. Claims written by
 * older versions (no owner) keep the 15-minute rule (STALE_CLAIM_MS).
 *
 * Answers are kept for KEY_RETENTION_MS (Stripe keeps them 24 hours): a retry comes within
 * minutes, and an import's stored report should not pile up forever. Expired ones are deleted by
 * the claims themselves, at most once per PURGE_EVERY_MS in each process, so no scheduler is needed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { HttpError, toIso, ValidationError } from '@simcard/common';
import { type Db, idempotencyKeysRepository, type Queryable } from '@simcard/db';

export const STALE_CLAIM_MS = 15 * 60 * 1000;
export const KEY_RETENTION_MS = 24 * 60 * 60 * 1000;
const PURGE_EVERY_MS = 60 * 60 * 1000;
/** A running request renews its lease every LEASE_MS / 3; another host may take the claim over once it lapses. */
export const LEASE_MS = 60 * 1000;

/** This boot of this machine: a pid means something only within it. */
function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return hostname();
  }
}

const HOST = bootId().slice(0, 64);
/** Tells this process from an earlier one that had the same pid. */
const INSTANCE = randomBytes(6).toString('hex');

interface OwnerParts {
  host: string;
  pid: number;
  instance: string;
}

function parseOwner(owner: string): OwnerParts | null {
  const m = /^(.*):(\d+):([0-9a-f]+):[0-9a-f]+$/.exec(owner);
  return m ? { host: m[1]!, pid: Number(m[2]), instance: m[3]! } : null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type KeyScope = idempotencyKeysRepository.KeyScope;

/** An answer as stored with its key and replayed. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type Claim = { kind: 'claimed'; id: number } | { kind: 'replay'; status: number; body: unknown };

/**
 * A key claimed by the work's own transaction, in the statement that stores its answer
 * (`complete`), instead of by a write of its own before the work. For a small request only
 * (its body in memory: nothing slow runs between claim and answer), where the separate claim
 * was one more write transaction (SQLite's single write lock taken twice per request, and a
 * second commit on PostgreSQL). A process killed midway leaves no trace of the key: the retry
 * runs afresh. Two such requests racing with one key both do the work, but only one commits it;
 * the other's transaction rolls back on the key's unique index and it answers as a retry would
 * (the replay, 409 or 422).
 */
export class DeferredClaim {
  constructor(
    readonly scope: KeyScope,
    readonly requestHash: string,
  ) {}
}

/** How the work stores its answer: a claim already held (its id), or one taken with the answer. */
export type KeyClaim = number | DeferredClaim;

/** A DeferredClaim found its key taken when storing the answer: the work was rolled back. */
class KeyTaken extends Error {
  constructor() {
    super('the Idempotency-Key was taken meanwhile');
  }
}

/** The header's value, checked: 1-255 visible ASCII characters. */
export function parseIdempotencyKey(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw ValidationError.field('Idempotency-Key', 'must be 1-255 visible ASCII characters');
  }
  return header;
}

export class Idempotency {
  private nextPurgeAt = 0;
  /** Claims this process holds right now: id → owner, renewed by `renewals`. */
  private readonly held = new Map<number, string>();
  /**
   * Owners whose claim statement is in flight: on PostgreSQL a concurrent request can read our
   * just-inserted row before our insert's answer reaches us (and before `held` knows its id).
   */
  private readonly claiming = new Set<string>();
  private renewals: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {}

  async claim(scope: KeyScope, requestHash: string): Promise<Claim> {
    await this.purgeExpired();
    for (let attempt = 0; attempt < 2; attempt++) {
      const holder = this.newHolder();
      this.claiming.add(holder.owner);
      try {
        const claimed = await this.claimOnce(scope, requestHash, holder);
        if (claimed) return claimed;
      } finally {
        this.claiming.delete(holder.owner);
      }
    }
    throw new HttpError(409, 'idempotency_in_progress', 'This Idempotency-Key is changing hands; retry later', undefined, {
      'Retry-After': '1',
    });
  }

  /** One attempt: our claim, a replay, a refusal (thrown), or null to try again. */
  private async claimOnce(scope: KeyScope, requestHash: string, holder: idempotencyKeysRepository.ClaimOwner): Promise<Claim | null> {
    const id = await idempotencyKeysRepository.claim(this.db, scope, requestHash, holder);
    if (id !== null) return this.hold(id, holder.owner);
    const row = await idempotencyKeysRepository.find(this.db, scope);
    if (!row) return null; // released between our insert and read: try again
    if (row.completed_at !== null) {
      if (row.request_hash !== requestHash) throw reused();
      return { kind: 'replay', status: row.response_status ?? 200, body: JSON.parse(row.response_body ?? 'null') };
    }
    if (this.ownerIsGone(row)) {
      const legacyStaleBefore = new Date(this.clock() - STALE_CLAIM_MS).toISOString();
      if (await idempotencyKeysRepository.reclaim(this.db, row.id, row.owner, legacyStaleBefore, requestHash, holder))
        return this.hold(row.id, holder.owner);
    }
    if (row.request_hash !== requestHash) throw reused();
    throw new HttpError(
      409,
      'idempotency_in_progress',
      'A request with this Idempotency-Key is still being processed; retry later',
      undefined,
      { 'Retry-After': '5' },
    );
  }

  /**
   * Runs `work` at most once per key: without a scope (no key, or a dry run) it just runs; with
   * one, a finished first answer is replayed, and otherwise `work` gets the claim to store its
   * answer with (in its own transaction). A failure releases the key so a retry runs again.
   */
  async once(
    scope: KeyScope | null,
    requestHash: string,
    work: (claim: number | null) => Promise<StoredAnswer>,
  ): Promise<StoredAnswer & { replayed: boolean }> {
    return this.onceWith(scope, requestHash, false, work as (claim: KeyClaim | null) => Promise<StoredAnswer>);
  }

  /**
   * `once`, but when `deferred` the claim is taken by `work`'s own transaction with the answer
   * (DeferredClaim): one write instead of three, and no read first. A key already known (an
   * answer to replay, a request running) is found when the answer is stored, or when the work
   * fails: the work is rolled back and the usual way answers, as it would have without running
   * the work. Only for work whose transaction opens without waiting on a client or a parser (a
   * small body, in memory).
   */
  async onceWith(
    scope: KeyScope | null,
    requestHash: string,
    deferred: boolean,
    work: (claim: KeyClaim | null) => Promise<StoredAnswer>,
  ): Promise<StoredAnswer & { replayed: boolean }> {
    if (scope === null) return { ...(await work(null)), replayed: false };
    if (deferred) {
      await this.purgeExpired();
      try {
        return { ...(await work(new DeferredClaim(scope, requestHash))), replayed: false };
      } catch (err) {
        // The work failed (rolled back). Had the key been known, a retry would have got the
        // stored answer (or 409/422) without running the work: so it does now. Unknown: the error.
        if (!(err instanceof KeyTaken) && !(await idempotencyKeysRepository.find(this.db, scope))) throw err;
      }
    }
    const claimed = await this.claim(scope, requestHash);
    if (claimed.kind === 'replay') return { status: claimed.status, body: claimed.body, replayed: true };
    try {
      return { ...(await work(claimed.id)), replayed: false };
    } catch (err) {
      await this.release(claimed.id).catch(() => {});
      throw err;
    } finally {
      this.done(claimed.id);
    }
  }

  /** Whether the request that claimed `row` can no longer finish it. */
  private ownerIsGone(row: idempotencyKeysRepository.IdempotencyKeyRow): boolean {
    const at = this.clock();
    if (row.owner === null) return Date.parse(toIso(row.created_at)!) < at - STALE_CLAIM_MS;
    const owner = parseOwner(row.owner);
    const leaseLapsed = row.lease_expires_at === null || Date.parse(toIso(row.lease_expires_at)!) < at;
    if (!owner || owner.host !== HOST) return leaseLapsed;
    if (owner.pid === process.pid) {
      // Ours: running here now, or left by an earlier process that had our pid.
      return owner.instance !== INSTANCE || !(this.held.has(row.id) || (row.owner !== null && this.claiming.has(row.owner)));
    }
    return !processAlive(owner.pid) || leaseLapsed;
  }

  private newHolder(): idempotencyKeysRepository.ClaimOwner {
    return { owner: `${HOST}:${process.pid}:${INSTANCE}:${randomBytes(4).toString('hex')}`, leaseExpiresAt: this.leaseEnd() };
  }

  private leaseEnd(): string {
    return new Date(this.clock() + LEASE_MS).toISOString();
  }

  /** Keeps the claim's lease alive until it is completed or released. */
  private hold(id: number, owner: string): Claim {
    this.held.set(id, owner);
    if (!this.renewals) {
      this.renewals = setInterval(() => void this.renew(), LEASE_MS / 3);
      this.renewals.unref();
    }
    return { kind: 'claimed', id };
  }

  private async renew(): Promise<void> {
    const until = this.leaseEnd();
    for (const [id, owner] of this.held) {
      // On SQLite this may wait behind the import's own write and fail: the next renewal retries,
      // and on one host the owner's pid, not the lease, decides.
      await idempotencyKeysRepository.renewLease(this.db, id, owner, until).catch(() => {});
    }
  }

  /** The claim is finished (completed or released): stop renewing it. */
  done(id: number): void {
    this.held.delete(id);
    if (this.held.size === 0 && this.renewals) {
      clearInterval(this.renewals);
      this.renewals = null;
    }
  }

  /**
   * Stores the answer; call inside the transaction that did the work, so both land or neither.
   * A DeferredClaim is taken here: a key taken meanwhile throws (the transaction must roll back)
   * and `onceWith` answers as for a retry.
   */
  async complete(trx: Queryable, claim: KeyClaim, status: number, body: unknown): Promise<void> {
    if (typeof claim === 'number') return idempotencyKeysRepository.complete(trx, claim, status, JSON.stringify(body));
    const taken = await idempotencyKeysRepository.insertCompleted(trx, claim.scope, claim.requestHash, status, JSON.stringify(body));
    if (!taken) throw new KeyTaken();
  }

  private async purgeExpired(): Promise<void> {
    const at = this.clock();
    if (at < this.nextPurgeAt) return;
    this.nextPurgeAt = at + PURGE_EVERY_MS;
    await idempotencyKeysRepository.purgeCompletedBefore(this.db, new Date(at - KEY_RETENTION_MS).toISOString());
  }

  /** The request failed without an answer worth replaying: the key may be used again. */
  release(id: number): Promise<void> {
    this.done(id);
    return idempotencyKeysRepository.release(this.db, id);
  }
}

function reused(): HttpError {
  return new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different request', [
    { field: 'Idempotency-Key', reason: 'was used with another body or query' },
  ]);
}
