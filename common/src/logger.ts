/**
 * Structured JSON logs (pino), one object per line: `{"level","time","service","msg",...fields}`.
 * Callers see only the small Logger interface, so the library can change under them.
 *
 * `LOG_LEVEL` (debug, info, warn, error, silent; default info) sets what is written. `LOG_FORMAT`
 * picks `json` or `pretty` (one readable line: time, level, message, key=value fields); unset,
 * a terminal gets pretty lines and a pipe or production gets JSON. `npm start` pipes its parts'
 * output through `concurrently`, so it passes `LOG_FORMAT=pretty` on when its own output is a
 * terminal.
 *
 * Secrets never reach the output: fields named like a password, token, key or authorization
 * header are replaced with "[redacted]" at any depth, whatever a caller passes. (Done here rather
 * than with pino's `redact` paths: its wildcard paths cost ~140 µs a line, this ~1 µs.) Lines written while a request is handled carry its `request_id`
 * (`withLogContext`, set by the request-id middleware), without callers passing it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import { INSTANCE_ID } from './instance.js';

export type LogFields = Record<string, unknown>;

export interface Logger {
  /** Optional so that hand-made loggers (tests) need not have it: per-request access lines. */
  debug?(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

/** `LOG_LEVEL`, or info. A bad value is refused by loadConfig with one line; here it falls back quietly. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const value = env['LOG_LEVEL']?.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(value ?? '') ? (value as LogLevel) : 'info';
}

/** `LOG_FORMAT` when set; otherwise JSON in production or when stderr is not a terminal, pretty lines in one. */
export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env, isTty = process.stderr.isTTY === true): LogFormat {
  const value = env['LOG_FORMAT']?.trim().toLowerCase();
  if (value === 'json' || value === 'pretty') return value;
  return env['NODE_ENV'] !== 'production' && isTty ? 'pretty' : 'json';
}

/** Field names whose values are secrets, matched case-insensitively. */
const SECRET_FIELDS = new Set(
  [
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
  ].map((f) => f.toLowerCase()),
);

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
  /** Default: LOG_LEVEL. */
  level?: LogLevel;
  /** Default: LOG_FORMAT, else by whether stderr is a terminal. */
  format?: LogFormat;
  /** Colour the level of pretty lines (default: unless NO_COLOR is set). */
  color?: boolean;
}

const LEVEL_COLOR: Record<string, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };

/**
 * One JSON line as a person reads it: `12:04:05 WARN  message  key=value …`. The service name
 * and time zone are left out (the start script's prefix names the part); the fields stay.
 */
export function prettyLine(json: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { level, time, msg, service: _service, instance: _instance, ...fields } = entry;
  const clock = typeof time === 'string' ? new Date(time).toTimeString().slice(0, 8) : '';
  const label = String(level ?? '')
    .toUpperCase()
    .padEnd(5);
  const paint = color && typeof level === 'string' && LEVEL_COLOR[level] ? `${LEVEL_COLOR[level]}${label}\x1b[0m` : label;
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : prettyValue(v)}`)
    .join(' ');
  return `${clock} ${paint} ${String(msg ?? '')}${rest ? `  ${rest}` : ''}`;
}

/** A long list shows its first items and its length: one line stays one screen line. */
function prettyValue(value: unknown): string {
  if (Array.isArray(value) && value.length > 3)
    return `[${value
      .slice(0, 2)
      .map((v) => JSON.stringify(v))
      .join(', ')}, … ${value.length} in all]`;
  return JSON.stringify(value);
}

export function createLogger(name: string, write?: (line: string) => void, options: LoggerOptions = {}): Logger {
  // A caller's own writer (tests, benchmarks) gets JSON unless it asks otherwise.
  const format = options.format ?? (write ? 'json' : logFormatFromEnv());
  const sink = write ?? ((l: string) => void process.stderr.write(l + '\n'));
  const color = options.color ?? process.env['NO_COLOR'] === undefined;
  const out = format === 'pretty' ? (line: string) => sink(prettyLine(line, color)) : sink;
  const log = pino(
    {
      level: options.level ?? logLevelFromEnv(),
      base: { service: name, instance: INSTANCE_ID },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => context.getStore() ?? {},
    },
    { write: (chunk: string) => out(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) },
  );
  const fieldsOf = (f: LogFields | undefined) => (f ? (redact(f) as LogFields) : {});
  return {
    // Asked on every request (the access line): below the level, not even its fields are copied.
    debug: (m, f) => {
      if (log.isLevelEnabled('debug')) log.debug(fieldsOf(f), m);
    },
    info: (m, f) => log.info(fieldsOf(f), m),
    warn: (m, f) => log.warn(fieldsOf(f), m),
    error: (m, f) => log.error(fieldsOf(f), m),
  };
}

/** For tests and tools that want quiet output. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
