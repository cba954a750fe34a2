/**
 * Fuzzing the write endpoints (fast-check, fixed seed, bounded runs): bodies of every content
 * type POST /simcards/bulk takes — random and mutated CSV, JSON, XLSX (a real workbook with
 * bytes flipped, cut or spliced), multipart, gzip — and random bodies for POST /simcards,
 * PUT /simcards/{id}, POST /shops and POST /simcards/assign. Never a 5xx, never an unhandled
 * rejection or uncaught exception.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { simpleXlsx, XLSX_TYPE } from '../../../tests/fixtures/hostile/generate.js';
import { TestApi } from './support/harness.js';
import { importIccid, postImport } from './support/import-helpers.js';

const SEED = 20261203;
const RUNS = 60;

let api: TestApi;
let simId: number;
let shopId: number;
const unhandled: unknown[] = [];
const onUnhandled = (err: unknown) => unhandled.push(err);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  api = await TestApi.start({ RATE_LIMIT_USER: '0', RATE_LIMIT_ANON: '0' });
  simId = (await api.createSimcard()).id;
  shopId = (await api.createShop()).id;
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  await api?.close();
});
afterEach(() => {
  expect(unhandled).toEqual([]);
});

const validXlsx = simpleXlsx([
  ['iccid', 'msisdn', 'tariff'],
  ...Array.from({ length: 30 }, (_, i) => [importIccid(), `+99890${String(i).padStart(7, '0')}`, 'Fuzz']),
]);

/** A real workbook, damaged: bytes overwritten, cut, or a slice repeated. */
const mutatedXlsx = fc
  .tuple(
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
    fc.boolean(),
  )
  .map(([flips, cut, splice]) => {
    let b = Buffer.from(validXlsx);
    for (const [at, value] of flips) b[at % b.length] = value;
    if (cut !== null) b = b.subarray(0, Math.floor(b.length * cut));
    if (splice && b.length > 100) b = Buffer.concat([b.subarray(0, 60), b.subarray(30)]);
    return b;
  });

const csvText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc
    .array(
      fc.array(
        fc.oneof(
          fc.constantFrom('iccid', 'msisdn', '"', '""', ';', ',', '\r', '\n', '8.99E+18', importIccid()),
          fc.string({ maxLength: 12 }),
        ),
        { maxLength: 6 },
      ),
      { maxLength: 12 },
    )
    .map((rows) => rows.map((r) => r.join(';')).join('\n')),
);

type Upload = { body: Buffer; contentType: string; headers?: Record<string, string> };

const upload: fc.Arbitrary<Upload> = fc.oneof(
  csvText.map((t) => ({ body: Buffer.from(t, 'latin1'), contentType: 'text/csv' })),
  fc.uint8Array({ maxLength: 600 }).map((b) => ({ body: Buffer.from(b), contentType: 'text/plain' })),
  fc.jsonValue().map((v) => ({ body: Buffer.from(JSON.stringify(v)), contentType: 'application/json' })),
  fc
    .array(fc.dictionary(fc.constantFrom('iccid', 'msisdn', 'operator', 'tariff', 'price', 'x'), fc.jsonValue()), { maxLength: 5 })
    .map((rows) => ({ body: Buffer.from(JSON.stringify({ rows })), contentType: 'application/json' })),
  mutatedXlsx.map((b) => ({ body: b, contentType: XLSX_TYPE })),
  fc.tuple(mutatedXlsx, fc.boolean(), fc.constantFrom('a.xlsx', 'a.csv', 'a.xls', '')).map(([b, closed, name]) => {
    const head = `--fz\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    return {
      body: Buffer.concat([Buffer.from(head), b, Buffer.from(closed ? '\r\n--fz--\r\n' : '')]),
      contentType: 'multipart/form-data; boundary=fz',
    };
  }),
  fc.tuple(csvText, fc.double({ min: 0, max: 1, noNaN: true })).map(([t, cut]) => {
    const gz = gzipSync(Buffer.from(`iccid\n${t}`));
    return {
      body: gz.subarray(0, Math.max(1, Math.floor(gz.length * cut))),
      contentType: 'text/csv',
      headers: { 'content-encoding': 'gzip' },
    };
  }),
);

const query = fc.constantFrom('', 'dry_run=true', 'mode=strict', 'check_digit=absent', 'dry_run=maybe', `shop_id=${'9'.repeat(30)}`);

test('POST /simcards/bulk: no body of any content type gets a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(upload, query, async ({ body, contentType, headers }, q) => {
      const res = await postImport(api, body, contentType, q, { headers });
      expect(res.status).toBeLessThan(500);
    }),
    { seed: SEED, numRuns: RUNS * 2 },
  );
}, 60_000);

const anyJson = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      iccid: fc.oneof(fc.string(), fc.constant(importIccid()), fc.integer()),
      msisdn: fc.option(fc.string()),
      price: fc.option(fc.oneof(fc.integer(), fc.double(), fc.string())),
      notes: fc.option(fc.string({ unit: 'binary' })),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    { name: fc.string({ unit: 'binary' }), code: fc.string(), address: fc.option(fc.string()), is_active: fc.option(fc.boolean()) },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      shop_id: fc.oneof(fc.integer(), fc.constant(0), fc.string()),
      simcard_ids: fc.array(fc.integer()),
      iccids: fc.array(fc.string()),
      count: fc.integer(),
      range: fc.record({ from: fc.string(), to: fc.string() }),
      allow_transfer: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
);

test('POST /simcards, PUT /simcards/{id}, POST /shops, POST /simcards/assign: no body gets a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('POST /simcards', 'PUT /simcards/id', 'POST /shops', 'POST /simcards/assign'),
      anyJson,
      fc.boolean(),
      async (route, value, raw) => {
        const [method, path] = route.split(' ') as [string, string];
        const target = path.replace('id', String(simId));
        const body = raw
          ? { rawBody: Buffer.from(JSON.stringify(value).slice(0, -1)) }
          : { body: route === 'POST /simcards/assign' && typeof value === 'object' && value ? { shop_id: shopId, ...value } : value };
        const res = await api.request(method, target, body);
        expect(res.status).toBeLessThan(500);
      },
    ),
    { seed: SEED, numRuns: RUNS * 2 },
  );
}, 60_000);
