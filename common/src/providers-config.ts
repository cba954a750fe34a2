/**
 * Operators as configuration (issue 15): each operator's dealer API — its adapter kind, base URL,
 * credentials, timeout, concurrency, rate limit, retries and scheduled-check interval — from
 * `PROVIDER_<OP>_*` variables or a JSON file (`PROVIDERS_FILE`). `PROVIDER_URL` alone keeps today's meaning: one provider for all
 * SIMs. Pure (the file is read through the given function) and validated with one-line errors
 * naming the variable (or the file's key); a token's value never appears in an error or in
 * `describeProviders`.
 */

export const ADAPTER_KINDS = ['json-v1', 'batch-v1'] as const;
export type AdapterKind = (typeof ADAPTER_KINDS)[number];

export interface ProviderSettings {
  /** Operator slug as SIMs carry it (beeline, ucell, …); `*` for the one provider of PROVIDER_URL. */
  operator: string;
  kind: AdapterKind;
  url: string;
  token: string;
  timeoutMs: number;
  /** Calls in flight to this operator. */
  concurrency: number;
  /** Calls per second to this operator, shared by all its checks; 0 = no limit. */
  rateLimitPerSecond: number;
  /** Attempts after the first, for retryable failures. */
  retries: number;
  /** ICCIDs per call (batch-v1 only). */
  batchSize: number;
  /**
   * Minutes between this operator's own scheduled runs (`auto-check:<operator>`), 0 = never
   * scheduled; null = scheduled with the others by AUTO_CHECK_INTERVAL_MIN (see autoCheckSchedules).
   */
  autoCheckIntervalMin: number | null;
}

export interface ProvidersConfig {
  /** By operator slug. Empty when only PROVIDER_URL (or nothing: the simulator) is configured. */
  byOperator: Record<string, ProviderSettings>;
  /** The one provider for every SIM when no operator is configured (PROVIDER_URL or the simulator). */
  fallback: ProviderSettings | null;
  /** Where the settings came from, for the start-up log. */
  source: 'env' | 'file' | 'single';
}

export class ProvidersConfigError extends Error {
  override name = 'ProvidersConfigError';
}

const SUFFIXES = {
  URL: 'url',
  TOKEN: 'token',
  KIND: 'kind',
  TIMEOUT_MS: 'timeout_ms',
  CONCURRENCY: 'concurrency',
  RATE_LIMIT: 'rate_limit',
  RETRIES: 'retries',
  BATCH_SIZE: 'batch_size',
  AUTO_CHECK_INTERVAL_MIN: 'auto_check_interval_min',
} as const;
type Key = (typeof SUFFIXES)[keyof typeof SUFFIXES];

/** The variables of the single provider, which are not an operator's. */
const LEGACY = new Set([
  'PROVIDER_URL',
  'PROVIDER_TOKEN',
  'PROVIDER_TIMEOUT_MS',
  'PROVIDER_RATE_LIMIT',
  'PROVIDER_SIM_PORT',
  'PROVIDERS_FILE',
]);
const VARIABLE = new RegExp(`^PROVIDER_([A-Z0-9][A-Z0-9_]*?)_(${Object.keys(SUFFIXES).join('|')})$`);
const OPERATOR = /^[a-z0-9][a-z0-9_-]{1,31}$/;
/** The longest interval between scheduled runs: a week, as AUTO_CHECK_INTERVAL_MIN. */
const MAX_INTERVAL_MIN = 7 * 24 * 60;

export interface Defaults {
  /** PROVIDER_URL (or the simulator's address when unset): the one provider when no operator is configured. */
  url: string;
  token: string;
  timeoutMs: number;
  concurrency: number;
  rateLimitPerSecond: number;
}

type Raw = Partial<Record<Key, unknown>>;

/**
 * Reads the providers from the environment. `readFile` is called for PROVIDERS_FILE only.
 * Setting both PROVIDERS_FILE and PROVIDER_<OP>_* variables is refused: one place decides.
 */
export function parseProvidersConfig(
  env: Record<string, string | undefined>,
  defaults: Defaults,
  readFile: (path: string) => string = () => {
    throw new ProvidersConfigError('PROVIDERS_FILE: cannot be read here');
  },
): ProvidersConfig {
  const fromEnv = new Map<string, Raw>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || LEGACY.has(name)) continue;
    const m = VARIABLE.exec(name);
    if (!m) continue;
    const operator = m[1]!.toLowerCase();
    const raw = fromEnv.get(operator) ?? {};
    raw[SUFFIXES[m[2] as keyof typeof SUFFIXES]] = value;
    fromEnv.set(operator, raw);
  }
  const file = env.PROVIDERS_FILE?.trim();
  if (file && fromEnv.size > 0) {
    throw new ProvidersConfigError(
      `PROVIDERS_FILE: set either it or PROVIDER_<OPERATOR>_* variables (found PROVIDER_${[...fromEnv.keys()][0]!.toUpperCase()}_*), not both`,
    );
  }
  if (file) {
    let text: string;
    try {
      text = readFile(file);
    } catch (err) {
      throw new ProvidersConfigError(`PROVIDERS_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProvidersConfigError(`PROVIDERS_FILE: ${file} is not valid JSON`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ProvidersConfigError(
        'PROVIDERS_FILE: must be a JSON object of operators, e.g. {"beeline": {"kind": "json-v1", "url": "https://…", "token": "…"}}',
      );
    }
    const byOperator: Record<string, ProviderSettings> = {};
    for (const [operator, raw] of Object.entries(json as Record<string, unknown>)) {
      const where = (key: string) => `PROVIDERS_FILE: ${operator}.${key}`;
      if (!OPERATOR.test(operator))
        throw new ProvidersConfigError(
          `PROVIDERS_FILE: "${operator.slice(0, 40)}" is not an operator slug (2-32 lower-case letters, digits, - or _)`,
        );
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw new ProvidersConfigError(`PROVIDERS_FILE: ${operator} must be an object`);
      const known = new Set<string>(Object.values(SUFFIXES));
      for (const key of Object.keys(raw))
        if (!known.has(key)) throw new ProvidersConfigError(`${where(key)}: unknown setting (known: ${[...known].join(', ')})`);
      byOperator[operator] = settings(operator, raw as Raw, defaults, where);
    }
    if (Object.keys(byOperator).length === 0) throw new ProvidersConfigError('PROVIDERS_FILE: names no operator');
    return { byOperator, fallback: null, source: 'file' };
  }
  if (fromEnv.size > 0) {
    const byOperator: Record<string, ProviderSettings> = {};
    for (const [operator, raw] of fromEnv) {
      const where = (key: string) => `PROVIDER_${operator.toUpperCase()}_${key.toUpperCase()}`;
      byOperator[operator.replace(/_/g, '-')] = settings(operator.replace(/_/g, '-'), raw, defaults, where);
    }
    return { byOperator, fallback: null, source: 'env' };
  }
  const fallback: ProviderSettings = {
    operator: '*',
    kind: 'json-v1',
    url: defaults.url,
    token: defaults.token,
    timeoutMs: defaults.timeoutMs,
    concurrency: defaults.concurrency,
    rateLimitPerSecond: defaults.rateLimitPerSecond,
    retries: 2,
    batchSize: 50,
    autoCheckIntervalMin: null,
  };
  return { byOperator: {}, fallback, source: 'single' };
}

function settings(operator: string, raw: Raw, defaults: Defaults, where: (key: string) => string): ProviderSettings {
  const fail = (key: string, reason: string): never => {
    throw new ProvidersConfigError(`${where(key)}: ${reason}`);
  };
  const kind = raw.kind === undefined ? 'json-v1' : String(raw.kind).trim();
  if (!(ADAPTER_KINDS as readonly string[]).includes(kind)) fail('kind', `must be one of ${ADAPTER_KINDS.join(', ')}`);
  if (raw.url === undefined || String(raw.url).trim() === '') fail('url', 'is required for each configured operator');
  let url: URL | null = null;
  try {
    url = new URL(String(raw.url).trim());
  } catch {
    /* below */
  }
  // The value is not echoed: a URL may carry credentials.
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail('url', 'must be an http:// or https:// URL');
  const token = raw.token === undefined ? defaults.token : String(raw.token);
  if (token.length < 1 || token.length > 4096 || /[\r\n]/.test(token)) fail('token', 'must be 1-4096 characters on one line');
  const int = (key: Key, fallback: number, min: number, max: number): number => {
    const value = raw[key];
    if (value === undefined || value === '') return fallback;
    const n = typeof value === 'number' ? value : Number(String(value).trim());
    if (!Number.isInteger(n) || n < min || n > max) fail(key, `must be a whole number from ${min} to ${max}`);
    return n;
  };
  const rate = (() => {
    const value = raw.rate_limit;
    if (value === undefined || value === '') return defaults.rateLimitPerSecond;
    const n = typeof value === 'number' ? value : Number(String(value).trim());
    if (!Number.isFinite(n) || n < 0 || n > 100_000) fail('rate_limit', 'must be calls per second from 0 (no limit) to 100000');
    return n;
  })();
  // Minutes as AUTO_CHECK_INTERVAL_MIN takes them (fractions allowed, at most a week); unset: null.
  const interval = (() => {
    const value = raw.auto_check_interval_min;
    if (value === undefined || value === '') return null;
    const n = typeof value === 'number' ? value : Number(String(value).trim());
    if (!Number.isFinite(n) || n < 0 || n > MAX_INTERVAL_MIN)
      fail('auto_check_interval_min', `must be minutes from 0 (not scheduled) to ${MAX_INTERVAL_MIN}; fractions allowed`);
    return n;
  })();
  return {
    operator,
    kind: kind as AdapterKind,
    url: url!.toString().replace(/\/$/, ''),
    token,
    timeoutMs: int('timeout_ms', defaults.timeoutMs, 100, 120_000),
    concurrency: int('concurrency', defaults.concurrency, 1, 500),
    rateLimitPerSecond: rate,
    retries: int('retries', 2, 0, 10),
    batchSize: int('batch_size', 50, 1, 1000),
    autoCheckIntervalMin: interval,
  };
}

/** For logs and /health: every setting but the token, whose presence alone is shown. */
export function describeProviders(config: ProvidersConfig): Array<Omit<ProviderSettings, 'token'> & { token: '***' }> {
  const all = [...Object.values(config.byOperator), ...(config.fallback ? [config.fallback] : [])];
  return all.map(({ token: _token, ...rest }) => ({ ...rest, token: '***' as const }));
}

/** The provider that checks a SIM of `operator`: its own, else the one for all; null = `no_provider`. */
export function providerFor(config: ProvidersConfig, operator: string | null): ProviderSettings | null {
  if (operator && config.byOperator[operator]) return config.byOperator[operator]!;
  return Object.keys(config.byOperator).length === 0 ? config.fallback : null;
}

/** One scheduled auto-check: its shared-schedule name, the operators its runs check (null = all) and its interval. */
export interface AutoCheckSchedule {
  name: string;
  operators: string[] | null;
  intervalMin: number;
}

/**
 * The scheduled auto-checks. An operator with an interval of its own (> 0) gets its own schedule,
 * `auto-check:<operator>`, whose runs check that operator only; one with 0 is never scheduled.
 * `AUTO_CHECK_INTERVAL_MIN` (`globalMin`) schedules the rest in one run, `auto-check`: every
 * SIM when no operator sets an interval (exactly as before per-operator intervals), else the
 * operators without one — nothing when every operator has its own.
 */
export function autoCheckSchedules(config: ProvidersConfig, globalMin: number): AutoCheckSchedule[] {
  const operators = Object.values(config.byOperator).sort((a, b) => (a.operator < b.operator ? -1 : 1));
  const own: AutoCheckSchedule[] = operators
    .filter((p) => p.autoCheckIntervalMin !== null && p.autoCheckIntervalMin > 0)
    .map((p) => ({ name: `auto-check:${p.operator}`, operators: [p.operator], intervalMin: p.autoCheckIntervalMin! }));
  if (globalMin <= 0) return own;
  if (operators.every((p) => p.autoCheckIntervalMin === null)) return [{ name: 'auto-check', operators: null, intervalMin: globalMin }];
  const rest = operators.filter((p) => p.autoCheckIntervalMin === null).map((p) => p.operator);
  return rest.length > 0 ? [...own, { name: 'auto-check', operators: rest, intervalMin: globalMin }] : own;
}

/**
 * How old the last completed run may be before the data is stale (twice this): the longest
 * interval of the scheduled auto-checks, so the operator scheduled least often is not stale by
 * design; 0 = nothing is scheduled (data_stale is then null, not a guess).
 */
export function longestAutoCheckIntervalMin(config: ProvidersConfig, globalMin: number): number {
  return Math.max(0, ...autoCheckSchedules(config, globalMin).map((s) => s.intervalMin));
}
