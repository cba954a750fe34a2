/**
 * JSON answers above 1 KB are compressed when the client accepts it (brotli preferred, else
 * gzip), and decompress to exactly the uncompressed answer; small answers, clients that do not
 * ask, and non-JSON bodies are sent as they are. Raw HTTP (fetch would decompress by itself).
 */
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { TestApi } from './support/harness.js';

let api: TestApi;

beforeAll(async () => {
  api = await TestApi.start();
  for (let k = 0; k < 20; k++) await api.createSimcard({ notes: `compression test SIM ${k}` });
});
afterAll(() => api.close());

function get(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.adminToken}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test.each([
  ['gzip', gunzipSync],
  ['br', brotliDecompressSync],
] as const)('a SIM page asked for with Accept-Encoding %s comes compressed and decodes to the plain answer', async (encoding, decode) => {
  const plain = await get('/simcards?limit=20', {});
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.body.length).toBeGreaterThan(1024);
  const packed = await get('/simcards?limit=20', { 'accept-encoding': encoding === 'br' ? 'gzip, deflate, br' : 'gzip' });
  expect({
    status: packed.status,
    encoding: packed.headers['content-encoding'],
    type: packed.headers['content-type'],
    vary: packed.headers['vary'],
  }).toEqual({
    status: 200,
    encoding,
    type: expect.stringContaining('application/json'),
    vary: expect.stringContaining('Accept-Encoding'),
  });
  expect(packed.body.length).toBeLessThan(plain.body.length / 2);
  expect(Number(packed.headers['content-length'])).toBe(packed.body.length);
  expect(JSON.parse(decode(packed.body).toString('utf8'))).toEqual(JSON.parse(plain.body.toString('utf8')));
});

test('a small JSON answer is sent as it is', async () => {
  const res = await get('/simcards?limit=1', { 'accept-encoding': 'gzip, br' });
  expect(res.body.length).toBeLessThan(1024);
  expect(res.headers['content-encoding']).toBeUndefined();
  expect(JSON.parse(res.body.toString('utf8')).data).toHaveLength(1);
});

test('an error answer above 1 KB is compressed too, and a client refusing encodings gets it plain', async () => {
  const long = `/simcards?${Array.from({ length: 60 }, (_, k) => `unknown_field_number_${k}=1`).join('&')}`;
  const packed = await get(long, { 'accept-encoding': 'gzip' });
  expect(packed.status).toBe(400);
  const plain = await get(long, { 'accept-encoding': 'identity' });
  expect(plain.headers['content-encoding']).toBeUndefined();
  if (plain.body.length > 1024) {
    expect(packed.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(packed.body).toString('utf8'))).toEqual(JSON.parse(plain.body.toString('utf8')));
  }
});
