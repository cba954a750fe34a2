/**
 * API keys: `smk_` + 43 base64url characters (256 random bits). Only a SHA-256 of the key is
 * stored: with that much entropy a slow password hash adds nothing, and a fast one keeps the
 * per-request lookup cheap. The first 12 characters are kept in clear to recognize a key by.
 */
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'smk_';
const PREFIX_LENGTH = 12;

export type ApiKeyRole = 'read' | 'admin';

export interface NewApiKeySecret {
  /** Shown to its creator once, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): NewApiKeySecret {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, PREFIX_LENGTH), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Cheap shape check before any lookup: anything else is refused without touching the database. */
export function looksLikeApiKey(value: string): boolean {
  return /^smk_[A-Za-z0-9_-]{43}$/.test(value);
}
