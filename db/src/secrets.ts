import { randomBytes } from 'node:crypto';
import type { Db } from './connection.js';
import { getOrInsert } from './repositories/settings.js';

/**
 * The key tokens are signed with: JWT_SECRET when configured, otherwise (outside production)
 * one generated at first start and kept in the database, so that every service reading this
 * database — the main API issuing tokens, the status API checking them — shares it.
 */
export function resolveJwtSecret(db: Db, configured: string | null): Promise<string> {
  return configured !== null ? Promise.resolve(configured) : getOrInsert(db, 'jwt_secret', randomBytes(48).toString('base64url'));
}
