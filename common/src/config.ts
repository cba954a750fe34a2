/**
 * Configuration: read from the environment and validated once, at start-up, here only.
 * Nothing is required for a local start; a bad value stops start-up with one line naming it.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from './dealer-time.js';
import { parseProvidersConfig, type ProvidersConfig, ProvidersConfigError } from './providers-config.js';

export type DatabaseConfig =
  | { client: 'sqlite'; filename: string }
  | {
      client: 'postgres';
      connectionString: string;
      schema: string | null;
      /** Per statement and per idle open transaction (DB_STATEMENT_TIMEOUT_MS, DB_IDLE_IN_TRANSACTION_TIMEOUT_MS); unset: the defaults of db/src/connection.ts. */
      statementTimeoutMs?: number;
      idleInTransactionTimeoutMs?: number;
    };

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  mainApi: { port: number };
  /**
   * The web app's dev/preview server (the start script runs it); `distDir`: the built web app
   * (`npm run build`, web/dist) that the main API serves itself in production (WEB_DIST_DIR).
   */
  web: { port: number; distDir?: string };
  statusApi: {
    port: number;
    /**
     * Where the main API reaches the status API: one base URL, or several workers' separated by
     * commas (STATUS_API_URL; services/main-api/src/services/status-api-client.ts).
     */
    url: string;
  };
  /** Each operator's provider (PROVIDER_<OP>_* or PROVIDERS_FILE), or the one for all (issue 15, providers-config.ts). */
  providers: ProvidersConfig;
  provider: {
    /** The operator's API; the simulator's address when PROVIDER_URL is unset. */
    url: string;
    /** True when PROVIDER_URL is unset: the start script runs the simulator. */
    simulated: boolean;
    simulatorPort: number;
    token: string;
    timeoutMs: number;
    /** Requests per second to the operator, 0 = no limit. */
    rateLimitPerSecond: number;
  };
  checks: {
    concurrency: number;
    /** Minutes between scheduled auto-check runs, 0 = off. */
    autoCheckIntervalMin: number;
    /** Days a SIM may sit assigned at a shop without a sale before it is reported as stale. */
    staleDays: number;
    /** A run gives up (ends `failed`, resumable) once the operator has failed this long without a break. */
    runGiveUpAfterMin: number;
    /** A running run whose worker has not said it is alive for this long is taken over by another (issue 18). */
    runLeaseMs: number;
  };
  /** Alerts to the same webhooks and Telegram chat as sales (check_run.failed, provider.down/recovered, data.stale). */
  alerts: { providerDownMin: number; language: 'uz' | 'ru' };
  database: DatabaseConfig;
  /** The dealer's calendar: "today", per-day bars and months are days in this IANA zone. */
  time: { zone: string };
  /** The dealer's name, printed on handover sheets (DEALER_NAME). */
  dealer: { name: string };
  auth: {
    /** Null when not configured outside production: generated once and kept in the database. */
    jwtSecret: string | null;
    tokenTtlSeconds: number;
    adminUsername: string;
    adminPassword: string | null;
    /** log2 of scrypt's N. 17 is OWASP's minimum; only tests lower it, and never through the environment. */
    scryptLog2N: number;
  };
  http: {
    jsonBodyLimitBytes: number;
    /** Origins allowed by CORS; empty: no CORS headers at all. */
    corsOrigins: string[];
    /** Whose X-Forwarded-For is believed: our own proxies (by default loopback peers). */
    trustProxy: TrustProxy;
    /** The address the services listen on (`HOST`): loopback unless opened on purpose. */
    host: string;
    /** How long SIGTERM waits for in-flight requests before it ends them (rolled back) and exits. */
    shutdownTimeoutMs: number;
  };
  /** Live event streams (`GET /events`). */
  events: { maxStreamsPerUser: number };
  limits: RateLimitConfig;
  /** Password hashes computed at once (scrypt runs on libuv's pool, which the SQLite driver shares). */
  passwordHashing: { concurrency: number; maxQueue: number };
  notifications: NotificationsConfig;
}

/** Where newly sold SIMs are announced (besides the web app's live stream). */
export interface NotificationsConfig {
  /** Each gets a signed POST per sale; empty: no webhooks. */
  webhookUrls: string[];
  /** The HMAC-SHA256 key of the webhook signature; set whenever webhookUrls is not empty. */
  webhookSecret: string | null;
  /** Null: no Telegram messages. */
  telegram: { botToken: string; chatId: string; apiUrl: string } | null;
  /** The daily digest's local time (HH:MM, TIME_ZONE), null: off; and the admin chat's language. Needs Telegram. */
  digest: { at: string | null; adminLanguage: 'uz' | 'ru' };
}

/** `TRUST_PROXY`: every peer (`all`), or peers in these addresses/CIDRs (`loopback` = 127.0.0.0/8 and ::1). */
export interface TrustProxy {
  all: boolean;
  ranges: string[];
}

/** `max` requests per `windowSeconds` (a fixed window); max 0 = no limit. */
export interface RateLimitRule {
  max: number;
  windowSeconds: number;
}

export interface RateLimitConfig {
  /** Requests without credentials, per client IP. */
  anonymous: RateLimitRule;
  /** Requests of one signed-in user (a whole office may share the IP, never the user). */
  user: RateLimitRule;
  /** Requests with one API key. */
  apiKey: RateLimitRule;
  /** Failed logins per username and IP: the brute-force guard. */
  loginUserIp: RateLimitRule;
  /** Failed logins per username from anywhere: larger, so one address cannot lock a user out. */
  loginUser: RateLimitRule;
  /** Failed logins per IP over all usernames (password spraying). */
  loginIp: RateLimitRule;
  /** Anonymous `GET /health` per IP, its own bucket (loopback and credentials are never limited there). */
  health: RateLimitRule;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The repository's default SQLite file: `db/simcard_db.sqlite`. */
export const DEFAULT_SQLITE_FILE = fileURLToPath(new URL('../../db/simcard_db.sqlite', import.meta.url));

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** `N/SECONDS`: at most N requests per SECONDS-second window; `0` turns the limit off. */
const rateRule = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .refine((s) => s === '0' || /^\d{1,9}\/\d{1,7}$/.test(s), 'must be N/SECONDS (e.g. 100/60), or 0 for no limit')
    .transform((s): RateLimitRule => {
      const [max, seconds] = s === '0' ? [0, 1] : s.split('/').map(Number);
      return { max: max!, windowSeconds: Math.max(1, seconds!) };
    });

/** An address, or an address/prefix-length, for TRUST_PROXY. */
function isTrustedRange(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  MAIN_API_PORT: port(9022),
  STATUS_API_PORT: port(9020),
  WEB_PORT: port(5173),
  WEB_DIST_DIR: z.string().trim().min(1).optional(),
  // Read where it is used (common/src/instance.ts, before any configuration is loaded); validated here.
  INSTANCE_ID: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._:@-]{1,100}$/, 'must be 1-100 letters, digits or . _ : @ -')
    .optional(),
  // One status API, or several workers comma-separated (issue 18): the main API takes turns over them.
  STATUS_API_URL: z
    .string()
    .optional()
    .transform((s) =>
      s
        ?.split(',')
        .map((u) => u.trim().replace(/\/+$/, ''))
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.url({ protocol: /^https?$/ }))
        .min(1, 'must name at least one http(s) URL')
        .max(32)
        .optional(),
    ),
  PROVIDER_URL: z.url({ protocol: /^https?$/ }).optional(),
  PROVIDER_SIM_PORT: port(9030),
  PROVIDER_TOKEN: z.string().min(1).max(4096).default('dev-provider-token'),
  PROVIDERS_FILE: z.string().trim().min(1).optional(),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  PROVIDER_RATE_LIMIT: z.coerce.number().min(0).max(100_000).default(0),
  CHECK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(10),
  AUTO_CHECK_INTERVAL_MIN: z.coerce
    .number()
    .min(0)
    .max(7 * 24 * 60)
    .default(0),
  STALE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  RUN_GIVE_UP_AFTER_MIN: z.coerce
    .number()
    .positive()
    .max(7 * 24 * 60)
    .default(10),
  CHECK_RUN_LEASE_S: z.coerce.number().min(0.5).max(600).default(20),
  ALERT_PROVIDER_DOWN_MIN: z.coerce
    .number()
    .min(0)
    .max(7 * 24 * 60)
    .default(5),
  ALERT_LANGUAGE: z.enum(['uz', 'ru']).default('uz'),
  DATABASE_URL: z.string().trim().optional(),
  DEALER_NAME: z.string().trim().min(1).max(200).default('SimCard Manager'),
  TIME_ZONE: z.string().trim().default(DEFAULT_TIME_ZONE).refine(isValidTimeZone, 'must be an IANA time zone name (e.g. Asia/Tashkent)'),
  JWT_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s) >= 32, 'must be at least 32 bytes (e.g. `openssl rand -hex 32`)')
    .optional(),
  JWT_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(12),
  ADMIN_USERNAME: z
    .string()
    .trim()
    .regex(/^[a-zA-Z0-9._-]{3,64}$/, 'must be 3-64 letters, digits, dots, dashes or underscores')
    .default('admin'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').max(256).optional(),
  JSON_BODY_LIMIT_KB: z.coerce
    .number()
    .int()
    .min(1)
    .max(100 * 1024)
    .default(1024),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim().replace(/\/$/, ''))
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),
  TRUST_PROXY: z
    .string()
    .trim()
    .default('loopback')
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.every((p) => /^(true|false|1|0|loopback)$/.test(p) || isTrustedRange(p)),
      'must be loopback, false, true, or a comma-separated list of addresses/CIDRs (e.g. loopback,10.0.0.0/8)',
    )
    .transform((list): TrustProxy => {
      if (list.includes('false') || list.includes('0')) return { all: false, ranges: [] };
      return { all: list.includes('true') || list.includes('1'), ranges: list.filter((p) => !/^(true|1)$/.test(p)) };
    }),
  DB_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(24 * 3600 * 1000)
    .default(120_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(24 * 3600 * 1000)
    .default(60_000),
  HOST: z
    .string()
    .trim()
    .min(1)
    .default('127.0.0.1')
    .refine((h) => isIP(h) !== 0 || h === 'localhost', 'must be an IP address (127.0.0.1, 0.0.0.0, ::) or localhost'),
  SHUTDOWN_TIMEOUT_S: z.coerce.number().min(0.1).max(600).default(10),
  EVENTS_MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).max(1000).default(5),
  // Half the cores (at least one): sign-ins never take all the CPU from everything else.
  PASSWORD_HASH_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(Math.max(1, Math.floor(availableParallelism() / 2))),
  RATE_LIMIT_HEALTH: rateRule('1200/60'),
  RATE_LIMIT_ANON: rateRule('100/60'),
  RATE_LIMIT_USER: rateRule('1200/60'),
  RATE_LIMIT_API_KEY: rateRule('1000/3600'),
  LOGIN_LIMIT_USER_IP: rateRule('10/900'),
  LOGIN_LIMIT_USER: rateRule('50/900'),
  LOGIN_LIMIT_IP: rateRule('100/900'),
  WEBHOOK_URLS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ })).max(20)),
  WEBHOOK_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s) >= 16, 'must be at least 16 bytes (e.g. `openssl rand -hex 32`)')
    .optional(),
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d{1,20}:[A-Za-z0-9_-]{10,100}$/, 'must look like 123456:ABC-DEF... (from @BotFather)')
    .optional(),
  TELEGRAM_CHAT_ID: z
    .string()
    .regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,64})$/, 'must be a numeric chat id or @channelname')
    .optional(),
  TELEGRAM_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
  DIGEST_AT: z
    .string()
    .trim()
    .default('19:00')
    .refine((s) => s === 'off' || /^([01]\d|2[0-3]):[0-5]\d$/.test(s), "must be HH:MM (24-hour, the dealer's time zone) or off"),
  DIGEST_LANGUAGE: z.enum(['uz', 'ru']).default('uz'),
  // Read by the logger itself (it exists before the configuration); validated here for the one-line error.
  LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['debug', 'info', 'warn', 'error', 'silent']))
    .optional(),
  LOG_FORMAT: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['json', 'pretty']))
    .optional(),
});

/** Never echoed back in an error: they hold passwords. */
const SECRET_VARIABLES = new Set([
  'JWT_SECRET',
  'ADMIN_PASSWORD',
  'DATABASE_URL',
  'PROVIDER_TOKEN',
  'PROVIDER_URL',
  'WEBHOOK_URLS',
  'WEBHOOK_SECRET',
  'TELEGRAM_BOT_TOKEN',
]);

export function parseDatabaseUrl(url: string | undefined): DatabaseConfig {
  if (!url) return { client: 'sqlite', filename: DEFAULT_SQLITE_FILE };
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!filename) throw new ConfigError('DATABASE_URL: sqlite: needs a file path, e.g. sqlite:./data/simcards.sqlite');
    return { client: 'sqlite', filename };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('DATABASE_URL: not a valid postgres:// URL');
    }
    // `?schema=` picks a PostgreSQL schema (several installs, or tests, in one database).
    const schema = parsed.searchParams.get('schema');
    parsed.searchParams.delete('schema');
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ConfigError('DATABASE_URL: schema must be a lowercase SQL identifier');
    }
    return { client: 'postgres', connectionString: parsed.toString(), schema };
  }
  throw new ConfigError('DATABASE_URL: must start with sqlite: or postgres:// (unset: SQLite at db/simcard_db.sqlite)');
}

/** PostgreSQL's per-connection time limits (SQLite has no equivalent: its writers queue on busy_timeout). */
function withDatabaseTimeouts(config: DatabaseConfig, statementTimeoutMs: number, idleInTransactionTimeoutMs: number): DatabaseConfig {
  return config.client === 'postgres' ? { ...config, statementTimeoutMs, idleInTransactionTimeoutMs } : config;
}

/** The operators' providers; a bad setting stops start-up with its one line (never a token's value). */
function providersOf(
  env: NodeJS.ProcessEnv,
  url: string,
  token: string,
  timeoutMs: number,
  concurrency: number,
  rateLimitPerSecond: number,
): ProvidersConfig {
  try {
    return parseProvidersConfig(env, { url: url.replace(/\/$/, ''), token, timeoutMs, concurrency, rateLimitPerSecond }, (path) =>
      readFileSync(path, 'utf8'),
    );
  } catch (err) {
    if (err instanceof ProvidersConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const got = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(env[name])})`;
    throw new ConfigError(`${name}: ${issue.message}${got}`);
  }
  const e = parsed.data;
  if (e.WEBHOOK_URLS.length > 0 && !e.WEBHOOK_SECRET) {
    throw new ConfigError('WEBHOOK_SECRET: required when WEBHOOK_URLS is set (at least 16 bytes; receivers verify signatures with it)');
  }
  if (Boolean(e.TELEGRAM_BOT_TOKEN) !== Boolean(e.TELEGRAM_CHAT_ID)) {
    throw new ConfigError('TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID: set both, or neither');
  }
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET) {
    throw new ConfigError('JWT_SECRET: required when NODE_ENV=production (at least 32 bytes)');
  }
  return {
    nodeEnv: e.NODE_ENV,
    mainApi: { port: e.MAIN_API_PORT },
    web: { port: e.WEB_PORT, ...(e.WEB_DIST_DIR ? { distDir: e.WEB_DIST_DIR } : {}) },
    statusApi: {
      port: e.STATUS_API_PORT,
      url: e.STATUS_API_URL?.join(',') ?? `http://127.0.0.1:${e.STATUS_API_PORT}`,
    },
    providers: providersOf(
      env,
      e.PROVIDER_URL ?? `http://127.0.0.1:${e.PROVIDER_SIM_PORT}`,
      e.PROVIDER_TOKEN,
      e.PROVIDER_TIMEOUT_MS,
      e.CHECK_CONCURRENCY,
      e.PROVIDER_RATE_LIMIT,
    ),
    provider: {
      url: (e.PROVIDER_URL ?? `http://127.0.0.1:${e.PROVIDER_SIM_PORT}`).replace(/\/$/, ''),
      simulated: e.PROVIDER_URL === undefined,
      simulatorPort: e.PROVIDER_SIM_PORT,
      token: e.PROVIDER_TOKEN,
      timeoutMs: e.PROVIDER_TIMEOUT_MS,
      rateLimitPerSecond: e.PROVIDER_RATE_LIMIT,
    },
    checks: {
      concurrency: e.CHECK_CONCURRENCY,
      autoCheckIntervalMin: e.AUTO_CHECK_INTERVAL_MIN,
      staleDays: e.STALE_DAYS,
      runGiveUpAfterMin: e.RUN_GIVE_UP_AFTER_MIN,
      runLeaseMs: e.CHECK_RUN_LEASE_S * 1000,
    },
    alerts: { providerDownMin: e.ALERT_PROVIDER_DOWN_MIN, language: e.ALERT_LANGUAGE },
    database: withDatabaseTimeouts(parseDatabaseUrl(e.DATABASE_URL), e.DB_STATEMENT_TIMEOUT_MS, e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS),
    time: { zone: e.TIME_ZONE },
    dealer: { name: e.DEALER_NAME },
    auth: {
      jwtSecret: e.JWT_SECRET ?? null,
      tokenTtlSeconds: Math.round(e.JWT_TTL_HOURS * 3600),
      adminUsername: e.ADMIN_USERNAME.toLowerCase(),
      adminPassword: e.ADMIN_PASSWORD ?? null,
      scryptLog2N: 17,
    },
    http: {
      jsonBodyLimitBytes: e.JSON_BODY_LIMIT_KB * 1024,
      corsOrigins: e.CORS_ORIGINS,
      trustProxy: e.TRUST_PROXY,
      host: e.HOST,
      shutdownTimeoutMs: Math.round(e.SHUTDOWN_TIMEOUT_S * 1000),
    },
    limits: {
      anonymous: e.RATE_LIMIT_ANON,
      user: e.RATE_LIMIT_USER,
      apiKey: e.RATE_LIMIT_API_KEY,
      loginUserIp: e.LOGIN_LIMIT_USER_IP,
      loginUser: e.LOGIN_LIMIT_USER,
      loginIp: e.LOGIN_LIMIT_IP,
      health: e.RATE_LIMIT_HEALTH,
    },
    passwordHashing: { concurrency: e.PASSWORD_HASH_CONCURRENCY, maxQueue: 1000 },
    events: { maxStreamsPerUser: e.EVENTS_MAX_STREAMS_PER_USER },
    notifications: {
      webhookUrls: e.WEBHOOK_URLS,
      webhookSecret: e.WEBHOOK_SECRET ?? null,
      telegram:
        e.TELEGRAM_BOT_TOKEN && e.TELEGRAM_CHAT_ID
          ? { botToken: e.TELEGRAM_BOT_TOKEN, chatId: e.TELEGRAM_CHAT_ID, apiUrl: e.TELEGRAM_API_URL.replace(/\/$/, '') }
          : null,
      // Tests get no digest unless they ask for one (DIGEST_AT set): a suite running at 19:00 would get extra Telegram messages.
      digest: {
        at: e.DIGEST_AT === 'off' || (e.NODE_ENV === 'test' && env.DIGEST_AT === undefined) ? null : e.DIGEST_AT,
        adminLanguage: e.DIGEST_LANGUAGE,
      },
    },
  };
}
