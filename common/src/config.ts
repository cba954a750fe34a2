/**
 * Configuration: read from the environment and validated once, at start-up, here only.
 * Nothing is required for a local start; a bad value stops start-up with one line naming it.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export type DatabaseConfig =
  | { client: 'sqlite'; filename: string }
  | { client: 'postgres'; connectionString: string; schema: string | null };

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  mainApi: { port: number };
  /** The web app's dev/preview server (the start script runs it). */
  web: { port: number };
  statusApi: {
    port: number;
    /** Where the main API reaches the status API. */
    url: string;
  };
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
  };
  database: DatabaseConfig;
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
    /** Believe X-Forwarded-For (only behind a reverse proxy that sets it). */
    trustProxy: boolean;
  };
  limits: RateLimitConfig;
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
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The repository's default SQLite file: `db/simcard_db.sqlite`. */
export const DEFAULT_SQLITE_FILE = fileURLToPath(new URL('../../db/simcard_db.sqlite', import.meta.url));

const port = (fallback: number) =>
  z.coerce.number().int().min(0).max(65535).default(fallback);

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

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  MAIN_API_PORT: port(9022),
  STATUS_API_PORT: port(9020),
  WEB_PORT: port(5173),
  STATUS_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  PROVIDER_URL: z.url({ protocol: /^https?$/ }).optional(),
  PROVIDER_SIM_PORT: port(9030),
  PROVIDER_TOKEN: z.string().min(1).max(4096).default('dev-provider-token'),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  PROVIDER_RATE_LIMIT: z.coerce.number().min(0).max(100_000).default(0),
  CHECK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(10),
  AUTO_CHECK_INTERVAL_MIN: z.coerce.number().min(0).max(7 * 24 * 60).default(0),
  STALE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  DATABASE_URL: z.string().trim().optional(),
  JWT_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s) >= 32, 'must be at least 32 bytes (e.g. `openssl rand -hex 32`)')
    .optional(),
  JWT_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  ADMIN_USERNAME: z.string().trim().regex(/^[a-zA-Z0-9._-]{3,64}$/, 'must be 3-64 letters, digits, dots, dashes or underscores').default('admin'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').max(256).optional(),
  JSON_BODY_LIMIT_KB: z.coerce.number().int().min(1).max(100 * 1024).default(1024),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
  RATE_LIMIT_ANON: rateRule('100/60'),
  RATE_LIMIT_USER: rateRule('1200/60'),
  RATE_LIMIT_API_KEY: rateRule('1000/3600'),
  LOGIN_LIMIT_USER_IP: rateRule('10/900'),
  LOGIN_LIMIT_USER: rateRule('50/900'),
  LOGIN_LIMIT_IP: rateRule('100/900'),
  WEBHOOK_URLS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ })).max(20)),
  WEBHOOK_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s) >= 16, 'must be at least 16 bytes (e.g. `openssl rand -hex 32`)')
    .optional(),
  TELEGRAM_BOT_TOKEN: z.string().regex(/^\d{1,20}:[A-Za-z0-9_-]{10,100}$/, 'must look like 123456:ABC-DEF... (from @BotFather)').optional(),
  TELEGRAM_CHAT_ID: z.string().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,64})$/, 'must be a numeric chat id or @channelname').optional(),
  TELEGRAM_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
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
    web: { port: e.WEB_PORT },
    statusApi: {
      port: e.STATUS_API_PORT,
      url: (e.STATUS_API_URL ?? `http://127.0.0.1:${e.STATUS_API_PORT}`).replace(/\/$/, ''),
    },
    provider: {
      url: (e.PROVIDER_URL ?? `http://127.0.0.1:${e.PROVIDER_SIM_PORT}`).replace(/\/$/, ''),
      simulated: e.PROVIDER_URL === undefined,
      simulatorPort: e.PROVIDER_SIM_PORT,
      token: e.PROVIDER_TOKEN,
      timeoutMs: e.PROVIDER_TIMEOUT_MS,
      rateLimitPerSecond: e.PROVIDER_RATE_LIMIT,
    },
    checks: { concurrency: e.CHECK_CONCURRENCY, autoCheckIntervalMin: e.AUTO_CHECK_INTERVAL_MIN, staleDays: e.STALE_DAYS },
    database: parseDatabaseUrl(e.DATABASE_URL),
    auth: {
      jwtSecret: e.JWT_SECRET ?? null,
      tokenTtlSeconds: Math.round(e.JWT_TTL_HOURS * 3600),
      adminUsername: e.ADMIN_USERNAME.toLowerCase(),
      adminPassword: e.ADMIN_PASSWORD ?? null,
      scryptLog2N: 17,
    },
    http: { jsonBodyLimitBytes: e.JSON_BODY_LIMIT_KB * 1024, corsOrigins: e.CORS_ORIGINS, trustProxy: e.TRUST_PROXY },
    limits: {
      anonymous: e.RATE_LIMIT_ANON,
      user: e.RATE_LIMIT_USER,
      apiKey: e.RATE_LIMIT_API_KEY,
      loginUserIp: e.LOGIN_LIMIT_USER_IP,
      loginUser: e.LOGIN_LIMIT_USER,
      loginIp: e.LOGIN_LIMIT_IP,
    },
    notifications: {
      webhookUrls: e.WEBHOOK_URLS,
      webhookSecret: e.WEBHOOK_SECRET ?? null,
      telegram:
        e.TELEGRAM_BOT_TOKEN && e.TELEGRAM_CHAT_ID
          ? { botToken: e.TELEGRAM_BOT_TOKEN, chatId: e.TELEGRAM_CHAT_ID, apiUrl: e.TELEGRAM_API_URL.replace(/\/$/, '') }
          : null,
    },
  };
}
