/**
 * The typed client's requests and answers, as openapi-fetch made them before client.ts did it
 * itself (no browser, no server: `fetch` replaced by a recorder).
 */
import { ApiError, data, http, setUnauthorizedHandler } from './client';

interface Asked {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

let asked: Asked[] = [];
let answer: () => Response;
const realFetch = globalThis.fetch;

beforeEach(() => {
  asked = [];
  answer = () => Response.json({ ok: true });
  globalThis.fetch = (async (input: Request) => {
    asked.push({
      method: input.method,
      url: input.url.replace(/^http:\/\/localhost/, ''),
      headers: Object.fromEntries(input.headers),
      body: input.body === null ? null : await input.text(),
    });
    return answer();
  }) as typeof fetch;
});

afterAll(() => {
  globalThis.fetch = realFetch;
});

// The client's relative URLs need a base outside a browser.
const RealRequest = globalThis.Request;
beforeAll(() => {
  globalThis.Request = class extends RealRequest {
    constructor(input: string | URL, init?: RequestInit) {
      super(typeof input === 'string' && input.startsWith('/') ? `http://localhost${input}` : input, init);
    }
  } as typeof Request;
});
afterAll(() => {
  globalThis.Request = RealRequest;
});

test('path parameters filled in and encoded; the query written as openapi-fetch wrote it, empty values left out', async () => {
  await http.GET('/anomalies/{kind}/{id}/review' as never, { params: { path: { kind: 'a b', id: 7 } } } as never);
  await http.GET('/simcards', { params: { query: { q: 'ä&b', limit: 20, offset: 0, shop_id: undefined, status: null as never } } });
  await http.GET('/simcards', {
    params: { query: { operators: ['beeline', 'ucell'], range: { from: 1, to: 2 } } as never },
  } as never);
  expect(asked.map((a) => a.url)).toEqual([
    '/api/anomalies/a%20b/7/review',
    '/api/simcards?q=%C3%A4%26b&limit=20&offset=0',
    '/api/simcards?operators=beeline&operators=ucell&range[from]=1&range[to]=2',
  ]);
  expect(asked[0]!.method).toBe('GET');
  expect(asked[0]!.headers.accept).toBe('application/json');
  expect(asked[0]!.body).toBeNull();
});

test('a JSON body with its Content-Type; a body serializer’s own body (a form) without one; the caller’s headers', async () => {
  await http.POST('/shops', { body: { name: 'Chilonzor', code: 'CHI01' } as never });
  const form = new FormData();
  form.append('file', 'iccid\n');
  await http.POST('/simcards/bulk', {
    params: { query: { shop_id: 1 } },
    headers: { 'Idempotency-Key': 'k1' },
    body: form as never,
    bodySerializer: (b: unknown) => b as BodyInit,
  });
  expect(asked[0]).toMatchObject({ method: 'POST', url: '/api/shops', body: '{"name":"Chilonzor","code":"CHI01"}' });
  expect(asked[0]!.headers['content-type']).toBe('application/json');
  expect(asked[1]!.url).toBe('/api/simcards/bulk?shop_id=1');
  expect(asked[1]!.headers['idempotency-key']).toBe('k1');
  expect(asked[1]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
});

test('the answer’s JSON; nothing for a 204 or an empty body', async () => {
  answer = () => Response.json({ id: 3 });
  expect(await data(http.GET('/shops/{id}', { params: { path: { id: 3 } } }))).toEqual({ id: 3 });
  answer = () => new Response(null, { status: 204 });
  expect((await http.DELETE('/shops/{id}', { params: { path: { id: 3 } } })).data).toBeUndefined();
  answer = () => new Response('', { status: 200 });
  expect((await http.POST('/auth/logout')).data).toBeUndefined();
});

test('a refusal thrown as ApiError with its code and details; a 401 ends the session except a wrong password', async () => {
  let ended = 0;
  setUnauthorizedHandler(() => ended++);
  answer = () =>
    Response.json(
      { error: { code: 'validation_failed', message: 'bad', details: [{ field: 'name', reason: 'required' }] } },
      { status: 400 },
    );
  const refused = await http.POST('/shops', { body: {} as never }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ApiError);
  expect(refused).toMatchObject({ status: 400, code: 'validation_failed', details: [{ field: 'name', reason: 'required' }] });

  // reportUnauthorized asks only with a stored token: none in this environment (no localStorage).
  answer = () => Response.json({ error: { code: 'unauthorized', message: 'no' } }, { status: 401 });
  await expect(http.POST('/auth/login', { body: { username: 'a', password: 'b' } })).rejects.toMatchObject({ status: 401 });
  expect(ended).toBe(0);
});

test('a lost connection is a network_error ApiError; an abort stays an abort', async () => {
  globalThis.fetch = (async () => {
    throw new TypeError('Failed to fetch');
  }) as typeof fetch;
  await expect(http.GET('/shops')).rejects.toMatchObject({ code: 'network_error', status: 0 });
  globalThis.fetch = (async () => {
    throw new DOMException('aborted', 'AbortError');
  }) as typeof fetch;
  await expect(http.GET('/shops')).rejects.toMatchObject({ name: 'AbortError' });
});
