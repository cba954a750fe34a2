import { TestApi } from './support/harness.js';
import { startTestStatusApi, type TestStatusApi } from './support/status-api.js';

let api: TestApi;
let statusApi: TestStatusApi;
beforeAll(async () => {
  // /health reports the status API too (health.test.ts covers it being down).
  statusApi = await startTestStatusApi();
  api = await TestApi.start({ STATUS_API_URL: statusApi.url });
});
afterAll(async () => {
  await api.close();
  await statusApi.close();
});

describe('monitoring endpoints', () => {
  test('GET / names the API, its version and links', async () => {
    const res = await api.get('/', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      name: 'SimCard Manager main API',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      links: expect.objectContaining({ health: '/health', openapi: '/openapi.json', docs: '/docs' }),
    });
  });

  test('GET /health answers ok while the database is reachable', async () => {
    const res = await api.get('/health', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'ok' });
  });

  test('GET /docs renders the OpenAPI document with assets it serves itself', async () => {
    const page = await api.get('/docs', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('/openapi.json');
    const script = await api.get('/docs/swagger-ui-bundle.js', { token: null });
    expect(script.status).toBe(200);
    expect(script.text.length).toBeGreaterThan(100_000);
    expect((await api.get('/docs/..%2Fpackage.json', { token: null })).status).toBe(400);
  });

  test('every route in the router is in /openapi.json, and nothing else is', async () => {
    const doc = (await api.get('/openapi.json', { token: null })).body;
    const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const { createApp } = await import('../src/app.js');
    const { TokenService } = await import('@simcard/common');
    const { api: router } = createApp({
      config: api.config,
      db: api.db,
      tokens: new TokenService('x'.repeat(32), 60),
      log: { info() {}, warn() {}, error() {} },
    });
    const routed = router.router.stack.flatMap((layer) =>
      layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
    );
    expect(routed.length).toBeGreaterThan(15);
    expect(documented.sort()).toEqual(routed.sort());
  });

  test('the OpenAPI document describes request schemas and security', async () => {
    const doc = (await api.get('/openapi.json', { token: null })).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/simcards'].get.security).toEqual([{ bearerAuth: [] }, { apiKeyAuth: [] }]);
    expect(doc.components.securitySchemes.apiKeyAuth).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(doc.paths['/simcards'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['status', 'shop_id', 'operator', 'batch_id', 'q', 'sort', 'limit', 'offset']),
    );
    expect(doc.paths['/simcards'].post.requestBody.content['application/json'].schema).toBeDefined();
    expect(JSON.stringify(doc)).not.toMatch(/password_hash|token_version/);
  });
});
