import {
  autoCheckSchedules,
  describeProviders,
  longestAutoCheckIntervalMin,
  parseProvidersConfig,
  providerFor,
  ProvidersConfigError,
} from './providers-config.js';

const defaults = { url: 'http://127.0.0.1:9030', token: 'dev-provider-token', timeoutMs: 10_000, concurrency: 10, rateLimitPerSecond: 0 };
const SECRET = 'sk-live-do-not-print-0123456789';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProvidersConfigError);
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('parseProvidersConfig', () => {
  test('PROVIDER_URL alone (or nothing): one provider for every SIM, as before', () => {
    const config = parseProvidersConfig({ PROVIDER_URL: 'https://op.example' }, { ...defaults, url: 'https://op.example' });
    expect(config.source).toBe('single');
    expect(config.byOperator).toEqual({});
    expect(providerFor(config, 'beeline')).toMatchObject({
      operator: '*',
      kind: 'json-v1',
      url: 'https://op.example',
      token: 'dev-provider-token',
    });
    expect(providerFor(config, null)?.operator).toBe('*');
  });

  test('per-operator variables: each its own settings; an operator without one has no provider', () => {
    const config = parseProvidersConfig(
      {
        PROVIDER_BEELINE_URL: 'https://beeline.example/dealer/',
        PROVIDER_BEELINE_TOKEN: SECRET,
        PROVIDER_BEELINE_RATE_LIMIT: '20',
        PROVIDER_UCELL_URL: 'http://ucell.example',
        PROVIDER_UCELL_KIND: 'batch-v1',
        PROVIDER_UCELL_TIMEOUT_MS: '3000',
        PROVIDER_UCELL_CONCURRENCY: '4',
        PROVIDER_UCELL_BATCH_SIZE: '100',
        PROVIDER_TIMEOUT_MS: '9000',
        PROVIDER_SIM_PORT: '9030',
      },
      defaults,
    );
    expect(config.source).toBe('env');
    expect(Object.keys(config.byOperator).sort()).toEqual(['beeline', 'ucell']);
    expect(config.byOperator.beeline).toMatchObject({
      kind: 'json-v1',
      url: 'https://beeline.example/dealer',
      token: SECRET,
      rateLimitPerSecond: 20,
      timeoutMs: 10_000,
      concurrency: 10,
    });
    expect(config.byOperator.ucell).toMatchObject({
      kind: 'batch-v1',
      timeoutMs: 3000,
      concurrency: 4,
      batchSize: 100,
      token: 'dev-provider-token',
    });
    expect(providerFor(config, 'mobiuz')).toBeNull();
    expect(providerFor(config, null)).toBeNull();
  });

  test('PROVIDERS_FILE: the JSON file, read through the given function', () => {
    const file = JSON.stringify({
      uzmobile: {
        kind: 'batch-v1',
        url: 'https://uzm.example',
        token: SECRET,
        timeout_ms: 2000,
        concurrency: 2,
        rate_limit: 5,
        retries: 1,
      },
    });
    const config = parseProvidersConfig({ PROVIDERS_FILE: '/etc/simcard/providers.json' }, defaults, (path) => {
      expect(path).toBe('/etc/simcard/providers.json');
      return file;
    });
    expect(config.source).toBe('file');
    expect(config.byOperator.uzmobile).toMatchObject({
      kind: 'batch-v1',
      timeoutMs: 2000,
      concurrency: 2,
      rateLimitPerSecond: 5,
      retries: 1,
    });
  });

  test.each([
    [{ PROVIDER_UCELL_TOKEN: SECRET }, /^PROVIDER_UCELL_URL: is required/],
    [{ PROVIDER_UCELL_URL: 'ftp://x' }, /^PROVIDER_UCELL_URL: must be an http/],
    [{ PROVIDER_UCELL_URL: 'http://x', PROVIDER_UCELL_KIND: 'soap' }, /^PROVIDER_UCELL_KIND: must be one of json-v1, batch-v1$/],
    [
      { PROVIDER_UCELL_URL: 'http://x', PROVIDER_UCELL_TIMEOUT_MS: '5s' },
      /^PROVIDER_UCELL_TIMEOUT_MS: must be a whole number from 100 to 120000$/,
    ],
    [{ PROVIDER_UCELL_URL: 'http://x', PROVIDER_UCELL_CONCURRENCY: '0' }, /^PROVIDER_UCELL_CONCURRENCY: /],
    [{ PROVIDER_UCELL_URL: 'http://x', PROVIDER_UCELL_RATE_LIMIT: '-1' }, /^PROVIDER_UCELL_RATE_LIMIT: /],
    [
      { PROVIDER_UCELL_URL: 'http://x', PROVIDER_UCELL_TOKEN: `${SECRET}\nx` },
      /^PROVIDER_UCELL_TOKEN: must be 1-4096 characters on one line$/,
    ],
    [{ PROVIDER_UCELL_URL: 'http://x', PROVIDERS_FILE: 'p.json' }, /^PROVIDERS_FILE: set either it or PROVIDER_<OPERATOR>_\* variables/],
  ])('%j is refused with one line naming the variable', (env, message) => {
    const text = errorOf(() => parseProvidersConfig(env, defaults, () => '{}'));
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
    expect(text).not.toContain(SECRET);
  });

  test.each([
    ['not json', /^PROVIDERS_FILE: p\.json is not valid JSON$/],
    ['[]', /^PROVIDERS_FILE: must be a JSON object/],
    ['{}', /^PROVIDERS_FILE: names no operator$/],
    [JSON.stringify({ Beeline: { url: 'http://x' } }), /is not an operator slug/],
    [JSON.stringify({ beeline: { url: 'http://x', password: SECRET } }), /^PROVIDERS_FILE: beeline\.password: unknown setting/],
    [
      JSON.stringify({ beeline: { url: 'http://x', token: SECRET, concurrency: 1.5 } }),
      /^PROVIDERS_FILE: beeline\.concurrency: must be a whole number/,
    ],
  ])('a providers file %s is refused with one line', (text, message) => {
    const error = errorOf(() => parseProvidersConfig({ PROVIDERS_FILE: 'p.json' }, defaults, () => text));
    expect(error).toMatch(message);
    expect(error).not.toContain(SECRET);
  });

  test('an unreadable file names the file and the reason only', () => {
    const error = errorOf(() =>
      parseProvidersConfig({ PROVIDERS_FILE: 'missing.json' }, defaults, () => {
        throw Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
      }),
    );
    expect(error).toBe('PROVIDERS_FILE: cannot read missing.json (ENOENT)');
  });

  test('describeProviders never shows a token', () => {
    const config = parseProvidersConfig({ PROVIDER_BEELINE_URL: 'https://b.example', PROVIDER_BEELINE_TOKEN: SECRET }, defaults);
    const shown = JSON.stringify(describeProviders(config));
    expect(shown).not.toContain(SECRET);
    expect(shown).toContain('"token":"***"');
    expect(shown).toContain('b.example');
  });
});

describe('scheduled auto-checks per operator', () => {
  const env = (intervals: Record<string, string | undefined>) =>
    parseProvidersConfig(
      Object.fromEntries(
        Object.entries(intervals).flatMap(([op, min]) => [
          [`PROVIDER_${op.toUpperCase()}_URL`, `https://${op}.example`],
          ...(min === undefined ? [] : [[`PROVIDER_${op.toUpperCase()}_AUTO_CHECK_INTERVAL_MIN`, min]]),
        ]),
      ),
      defaults,
    );

  test('PROVIDER_<OP>_AUTO_CHECK_INTERVAL_MIN and auto_check_interval_min: minutes, fractions allowed; unset = null', () => {
    const config = env({ beeline: '5', ucell: '0.5', uzmobile: '0', mobiuz: undefined });
    expect(config.byOperator.beeline!.autoCheckIntervalMin).toBe(5);
    expect(config.byOperator.ucell!.autoCheckIntervalMin).toBe(0.5);
    expect(config.byOperator.uzmobile!.autoCheckIntervalMin).toBe(0);
    expect(config.byOperator.mobiuz!.autoCheckIntervalMin).toBeNull();
    const file = parseProvidersConfig({ PROVIDERS_FILE: 'p.json' }, defaults, () =>
      JSON.stringify({ beeline: { url: 'http://b', auto_check_interval_min: 15 }, ucell: { url: 'http://u' } }),
    );
    expect(file.byOperator.beeline!.autoCheckIntervalMin).toBe(15);
    expect(file.byOperator.ucell!.autoCheckIntervalMin).toBeNull();
  });

  test.each(['-1', 'soon', '10081', 'Infinity'])(
    'PROVIDER_UCELL_AUTO_CHECK_INTERVAL_MIN=%s is refused with one line naming it',
    (value) => {
      const text = errorOf(() =>
        parseProvidersConfig({ PROVIDER_UCELL_URL: 'http://x', PROVIDER_UCELL_AUTO_CHECK_INTERVAL_MIN: value }, defaults),
      );
      expect(text).toBe('PROVIDER_UCELL_AUTO_CHECK_INTERVAL_MIN: must be minutes from 0 (not scheduled) to 10080; fractions allowed');
    },
  );

  test('in a providers file, a bad auto_check_interval_min is refused with one line naming the key', () => {
    const text = errorOf(() =>
      parseProvidersConfig({ PROVIDERS_FILE: 'p.json' }, defaults, () =>
        JSON.stringify({ beeline: { url: 'http://b', auto_check_interval_min: '5 min' } }),
      ),
    );
    expect(text).toBe(
      'PROVIDERS_FILE: beeline.auto_check_interval_min: must be minutes from 0 (not scheduled) to 10080; fractions allowed',
    );
  });

  test('no per-operator interval: the one schedule of AUTO_CHECK_INTERVAL_MIN over every SIM, as before (none when it is 0)', () => {
    const single = parseProvidersConfig({}, defaults);
    expect(autoCheckSchedules(single, 30)).toEqual([{ name: 'auto-check', operators: null, intervalMin: 30 }]);
    expect(autoCheckSchedules(env({ beeline: undefined, ucell: undefined }), 30)).toEqual([
      { name: 'auto-check', operators: null, intervalMin: 30 },
    ]);
    expect(autoCheckSchedules(single, 0)).toEqual([]);
    expect(longestAutoCheckIntervalMin(single, 30)).toBe(30);
    expect(longestAutoCheckIntervalMin(single, 0)).toBe(0);
  });

  test('an operator with its own interval gets its own schedule; the global one runs the operators without one; 0 is never scheduled', () => {
    const config = env({ ucell: '60', beeline: '5', uzmobile: '0', mobiuz: undefined, perfectum: undefined });
    expect(autoCheckSchedules(config, 30)).toEqual([
      { name: 'auto-check:beeline', operators: ['beeline'], intervalMin: 5 },
      { name: 'auto-check:ucell', operators: ['ucell'], intervalMin: 60 },
      { name: 'auto-check', operators: ['mobiuz', 'perfectum'], intervalMin: 30 },
    ]);
    // AUTO_CHECK_INTERVAL_MIN off: only the operators' own schedules.
    expect(autoCheckSchedules(config, 0).map((s) => s.name)).toEqual(['auto-check:beeline', 'auto-check:ucell']);
    // Staleness: the schedule that leaves the data alone longest.
    expect(longestAutoCheckIntervalMin(config, 30)).toBe(60);
    expect(longestAutoCheckIntervalMin(config, 90)).toBe(90);
  });

  test('every operator with its own interval (or 0): the global schedule does nothing', () => {
    const config = env({ beeline: '5', ucell: '0' });
    expect(autoCheckSchedules(config, 30)).toEqual([{ name: 'auto-check:beeline', operators: ['beeline'], intervalMin: 5 }]);
    expect(longestAutoCheckIntervalMin(config, 30)).toBe(5);
    expect(longestAutoCheckIntervalMin(env({ beeline: '0' }), 30)).toBe(0);
  });
});
