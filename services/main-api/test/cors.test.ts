import { TestApi } from './support/harness.js';

const ALLOWED = 'https://app.dealer.example';

describe('CORS limited to CORS_ORIGINS', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start({ CORS_ORIGINS: `${ALLOWED}, https://other.dealer.example` });
  });
  afterAll(() => api.close());

  test('an allowed origin gets Access-Control-Allow-Origin for itself, and can read the rate-limit and request-id headers', async () => {
    const res = await api.get('/shops', { headers: { origin: ALLOWED } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('vary')).toMatch(/Origin/);
    expect(res.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id.*Retry-After/);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  test('a preflight from an allowed origin is a 204 naming methods and headers (X-API-Key included)', async () => {
    const res = await api.request('OPTIONS', '/shops', {
      token: null,
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization.*X-API-Key/);
  });

  test('an unknown origin gets no CORS headers, and its preflight a 403', async () => {
    const res = await api.get('/shops', { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await api.request('OPTIONS', '/shops', {
      token: null,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'DELETE' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

test('without CORS_ORIGINS no CORS header is ever sent', async () => {
  const api = await TestApi.start();
  try {
    const res = await api.get('/shops', { headers: { origin: 'https://app.dealer.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await api.request('OPTIONS', '/shops', {
      token: null,
      headers: { origin: 'https://app.dealer.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  } finally {
    await api.close();
  }
});
