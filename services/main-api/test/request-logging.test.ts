import { createLogger, logFormatFromEnv, logLevelFromEnv } from '@simcard/common';
import { ADMIN_PASSWORD, TestApi } from './support/harness.js';
import { startTestStatusApi } from './support/status-api.js';

const lines: string[] = [];
let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start(
    {},
    createLogger('main-api', (line) => lines.push(line), { level: 'debug' }),
  );
});
afterAll(() => api.close());
beforeEach(() => {
  lines.length = 0;
});

const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, any>);

describe('structured request logs', () => {
  test('a sign-in writes one JSON access line with its request id, and no password or token anywhere', async () => {
    const wrong = await api.post('/auth/login', { username: 'admin', password: 'Wrong-Secret-Passw0rd' }, { token: null });
    const right = await api.post('/auth/login', { username: 'admin', password: ADMIN_PASSWORD }, { token: null });
    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);

    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(all).not.toContain('Wrong-Secret-Passw0rd');
    expect(all).not.toContain(ADMIN_PASSWORD);
    expect(all).not.toContain(right.body.token);

    const access = parsed().filter((l) => l.msg === 'request' && l.route === '/auth/login');
    expect(access).toHaveLength(2);
    expect(access[1]).toMatchObject({
      level: 'debug',
      service: 'main-api',
      method: 'POST',
      path: '/auth/login',
      status: 200,
      request_id: right.headers.get('x-request-id'),
      duration_ms: expect.any(Number),
    });
    expect(access[0]).toMatchObject({ status: 401, request_id: wrong.headers.get('x-request-id') });
    expect(access[0]!.request_id).not.toBe(access[1]!.request_id);
  });

  test('the access line names the route template, never the query string', async () => {
    const shop = await api.createShop();
    lines.length = 0;
    await api.get(`/shops/${shop.id}?token=leaked-looking-value`);
    const [access] = parsed().filter((l) => l.msg === 'request');
    expect(access).toMatchObject({ route: '/shops/{id}', path: `/shops/${shop.id}`, user_id: expect.any(Number) });
    expect(lines.join('\n')).not.toContain('leaked-looking-value');
  });

  test('an API key is never written, and the line names the key by id', async () => {
    const { key, id } = (await api.post('/api-keys', { name: 'logged', role: 'read' })).body;
    lines.length = 0;
    await api.get('/shops', { token: null, headers: { 'x-api-key': key } });
    await api.get('/shops', { token: null, headers: { 'x-api-key': `${key}x` } });
    expect(lines.join('\n')).not.toContain(key.slice(4));
    expect(parsed()[0]).toMatchObject({ api_key_id: id, status: 200 });
  });

  test('a sane incoming X-Request-Id is kept and echoed; anything else is replaced', async () => {
    const kept = await api.get('/', { token: null, headers: { 'x-request-id': 'lb-7f3a.42' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.42');
    const replaced = await api.get('/', { token: null, headers: { 'x-request-id': 'bad id with spaces <script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed().map((l) => l.request_id)).toEqual(['lb-7f3a.42', replaced.headers.get('x-request-id')]);
  });

  test('secret-named fields passed to the logger are redacted at any depth', () => {
    const out: string[] = [];
    const log = createLogger('t', (l) => out.push(l));
    log.info('x', {
      password: 'pw-secret-1',
      headers: { authorization: 'Bearer abc', 'x-api-key': 'smk_1' },
      body: { user: { token: 'tok-secret-1' } },
    });
    expect(out[0]).not.toMatch(/pw-secret-1|Bearer abc|smk_1|tok-secret-1/);
    expect(JSON.parse(out[0]!)).toMatchObject({ password: '[redacted]', headers: { authorization: '[redacted]' } });
  });
});

test('the request id travels with the main API call to the status API, into its logs', async () => {
  const statusLines: string[] = [];
  const statusApi = await startTestStatusApi(
    {},
    createLogger('status-api', (l) => statusLines.push(l), { level: 'debug' }),
  );
  const main = await TestApi.start({ STATUS_API_URL: statusApi.url });
  try {
    const sim = await main.createSimcard();
    const res = await main.get(`/simcards/${sim.id}/check-status`, { headers: { 'x-request-id': 'trace-check-1' } });
    expect(res.headers.get('x-request-id')).toBe('trace-check-1');
    const access = statusLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request' && l.service === 'status-api');
    expect(access).toContainEqual(expect.objectContaining({ request_id: 'trace-check-1' }));
  } finally {
    await main.close();
    await statusApi.close();
  }
});

describe('the level and format of log lines', () => {
  test('at the default level (info) a request writes no access line; LOG_LEVEL=debug shows them', async () => {
    const quiet: string[] = [];
    const main = await TestApi.start(
      {},
      createLogger('main-api', (l) => quiet.push(l), { level: logLevelFromEnv({}) }),
    );
    try {
      quiet.length = 0;
      expect((await main.get('/shops')).status).toBe(200);
      expect(quiet.filter((l) => JSON.parse(l).msg === 'request')).toEqual([]);
    } finally {
      await main.close();
    }
    expect(logLevelFromEnv({ LOG_LEVEL: 'DEBUG' })).toBe('debug');
    expect(logLevelFromEnv({ LOG_LEVEL: 'warn' })).toBe('warn');
  });

  test('LOG_LEVEL=warn leaves out info lines', () => {
    const out: string[] = [];
    const log = createLogger('t', (l) => out.push(l), { level: logLevelFromEnv({ LOG_LEVEL: 'warn' }) });
    log.info('started');
    log.warn('disk almost full', { free_mb: 12 });
    expect(out.map((l) => JSON.parse(l).msg)).toEqual(['disk almost full']);
  });

  test('pretty lines in a terminal, JSON when piped or in production, LOG_FORMAT decides when set', () => {
    expect(logFormatFromEnv({}, true)).toBe('pretty');
    expect(logFormatFromEnv({}, false)).toBe('json');
    expect(logFormatFromEnv({ NODE_ENV: 'production' }, true)).toBe('json');
    expect(logFormatFromEnv({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(logFormatFromEnv({ LOG_FORMAT: 'json' }, true)).toBe('json');

    const out: string[] = [];
    const log = createLogger('main-api', (l) => out.push(l), { format: 'pretty', color: false });
    log.warn('listening on http://127.0.0.1:9022', { database: 'sqlite', password: 'pw-secret-2' });
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d WARN {2}listening on http:\/\/127\.0\.0\.1:9022 {2}database=sqlite password=\[redacted\]$/);
  });
});
