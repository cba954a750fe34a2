/**
 * `.env` at the repository root, read once when a program starts (`npm start`, each service, the
 * CLI, `db:migrate`): one `NAME=value` a line, `#` comments, as `.env.example` shows. A variable
 * already set in the environment wins over the file, so `PORT=… npm start` still works and the
 * start script's children (which read the file again) keep what it passed them.
 *
 * Not read under NODE_ENV=test: a developer's own `.env` must not change what the tests see.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

export const DEFAULT_ENV_FILE = fileURLToPath(new URL('../../.env', import.meta.url));

/** Loads `file` into process.env (never overriding what is set); returns the file's path when it was read. */
export function loadEnvFile(file: string = DEFAULT_ENV_FILE, options: { evenUnderTest?: boolean } = {}): string | null {
  if ((process.env['NODE_ENV'] === 'test' && !options.evenUnderTest) || !existsSync(file)) return null;
  // Node's own parser (≥ 20.12, as process.loadEnvFile uses): quotes, comments and `export`
  // prefixes as dotenv has them. Assigned here, so that what is already set is visibly kept.
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) process.env[name] ??= value;
  return file;
}
