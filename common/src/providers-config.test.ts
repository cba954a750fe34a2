import { describeProviders, parseProvidersConfig, providerFor, ProvidersConfigError } from './providers-config.js';

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
