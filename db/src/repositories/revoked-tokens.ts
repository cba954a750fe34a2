import type { Queryable } from '../connection.js';
import { now } from '../time.js';

/** Denylists a token's jti until it expires; expired entries are swept on the way. */
export async function revoke(db: Queryable, jti: string, expiresAt: Date): Promise<void> {
  await db('revoked_tokens').insert({ jti, expires_at: expiresAt.toISOString() }).onConflict('jti').ignore();
  await db('revoked_tokens').where('expires_at', '<', now()).delete();
}
