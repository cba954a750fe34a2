import { TestApi } from './support/harness.js';

let api: TestApi;
let other: TestApi;
beforeAll(async () => {
  api = await TestApi.start({ RATE_LIMIT_ANON: '2/60' });
  other = await TestApi.start();
});
afterAll(async () => {
  await api.close();
  await other.close();
});

/** The value of one sample line, e.g. `http_request_duration_seconds_count{...}`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('GET /metrics', () => {
  test('answers Prometheus text with request histograms labelled by route template and status', async () => {
    const shop = await api.createShop();
    await api.get(`/shops/${shop.id}`);
    await api.get(`/shops/${shop.id}`);
    await api.get('/shops/999999');
    const res = await api.get('/metrics', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const labels = { method: 'GET', route: '/shops/{id}', service: 'main-api' };
    expect(sample(res.text, 'http_request_duration_seconds_count', { ...labels, status: '200' })).toBe(2);
    expect(sample(res.text, 'http_request_duration_seconds_count', { ...labels, status: '404' })).toBe(1);
    // The raw URL never becomes a label: one series per route, not per id.
    expect(res.text).not.toContain(`route="/shops/${shop.id}"`);
  });

  test('reports the database pool, refusals by rate limit, and process metrics', async () => {
    for (let i = 0; i < 3; i++) await api.get('/', { token: null });
    // This address's anonymous budget is spent now; an admin token is not held back by it.
    const res = await api.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^db_pool_connections\{state="used",service="main-api"\} \d+$/m);
    expect(res.text).toMatch(/^db_pool_connections\{state="free",service="main-api"\} \d+$/m);
    expect(sample(res.text, 'rate_limit_rejections_total', { limit: 'anonymous' })).toBeGreaterThanOrEqual(1);
    expect(res.text).toContain('process_resident_memory_bytes');
  });

  test('each app instance counts its own requests', async () => {
    const res = await other.get('/metrics', { token: null });
    expect(sample(res.text, 'http_request_duration_seconds_count', { route: '/shops/{id}', status: '200' })).toBeUndefined();
  });

  test('through a proxy (X-Forwarded-For) it needs an admin: none → 401, staff → 403, admin → 200', async () => {
    const headers = { 'x-forwarded-for': '198.51.100.1' };
    expect((await other.get('/metrics', { token: null, headers })).status).toBe(401);
    const shop = await other.createShop();
    const { token } = await other.createStaff(shop.id);
    expect((await other.get('/metrics', { token, headers })).status).toBe(403);
    const admin = await other.get('/metrics', { headers });
    expect(admin.status).toBe(200);
    expect(admin.text).toContain('http_request_duration_seconds_bucket');
    // A scraper that can only send a bearer token uses a read API key as one.
    const { key } = (await other.post('/api-keys', { name: 'prometheus', role: 'read' })).body;
    expect((await other.get('/metrics', { token: key, headers })).status).toBe(200);
  });

  test('/metrics is listed in /openapi.json', async () => {
    const doc = (await other.get('/openapi.json', { token: null })).body;
    expect(doc.paths['/metrics'].get.tags).toEqual(['Monitoring']);
  });
});
