/**
 * `Idempotency-Key` for requests that write (IETF httpapi draft, as Stripe does it): keys are
 * scoped to (user, route, key); the first answer is stored and replayed to retries; the same key
 * with another request is 422; a retry while the first is still running is 409. A claim left by
 * a process that died is taken over after STALE_CLAIM_MS. Answers are kept for KEY_RETENTION_MS
 * (Stripe keeps them 24 hours): a retry comes within minutes, and an import's stored report
 * should not pile up forever. Expired ones are deleted by the claims themselves, at most once
 * per PURGE_EVERY_MS in each process, so no scheduler is needed.
 */
import { HttpError, ValidationError } from '@simcard/common';
import { idempotencyKeysRepository, type Db, type Queryable } from '@simcard/db';

export const STALE_CLAIM_MS = 15 * 60 * 1000;
export const KEY_RETENTION_MS = 24 * 60 * 60 * 1000;
const PURGE_EVERY_MS = 60 * 60 * 1000;

export type KeyScope = idempotencyKeysRepository.KeyScope;

export type Claim = { kind: 'claimed'; id: number } | { kind: 'replay'; status: number; body: unknown };

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

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {}

  async claim(scope: KeyScope, requestHash: string): Promise<Claim> {
    await this.purgeExpired();
    for (let attempt = 0; attempt < 2; attempt++) {
      const id = await idempotencyKeysRepository.claim(this.db, scope, requestHash);
      if (id !== null) return { kind: 'claimed', id };
      const row = await idempotencyKeysRepository.find(this.db, scope);
      if (!row) continue; // released between our insert and read: try again
      if (row.completed_at !== null) {
        if (row.request_hash !== requestHash) throw reused();
        return { kind: 'replay', status: row.response_status ?? 200, body: JSON.parse(row.response_body ?? 'null') };
      }
      const staleBefore = new Date(this.clock() - STALE_CLAIM_MS).toISOString();
      if (await idempotencyKeysRepository.reclaim(this.db, row.id, staleBefore, requestHash)) return { kind: 'claimed', id: row.id };
      if (row.request_hash !== requestHash) throw reused();
      throw new HttpError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry later', undefined, { 'Retry-After': '5' });
    }
    throw new HttpError(409, 'idempotency_in_progress', 'This Idempotency-Key is changing hands; retry later', undefined, { 'Retry-After': '1' });
  }

  /** Stores the answer; call inside the transaction that did the work, so both land or neither. */
  complete(trx: Queryable, id: number, status: number, body: unknown): Promise<void> {
    return idempotencyKeysRepository.complete(trx, id, status, JSON.stringify(body));
  }

  private async purgeExpired(): Promise<void> {
    const at = this.clock();
    if (at < this.nextPurgeAt) return;
    this.nextPurgeAt = at + PURGE_EVERY_MS;
    await idempotencyKeysRepository.purgeCompletedBefore(this.db, new Date(at - KEY_RETENTION_MS).toISOString());
  }

  /** The request failed without an answer worth replaying: the key may be used again. */
  release(id: number): Promise<void> {
    return idempotencyKeysRepository.release(this.db, id);
  }
}

function reused(): HttpError {
  return new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different request', [
    { field: 'Idempotency-Key', reason: 'was used with another body or query' },
  ]);
}
