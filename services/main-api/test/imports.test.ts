/**
 * POST /simcards/bulk: every row validated, a report whose line numbers are the uploaded file's,
 * partial versus strict, dry runs that write nothing, Idempotency-Key replays, re-imports that
 * insert nothing new, imports straight into a shop, and the import history.
 */
import { request as httpRequest } from 'node:http';
import { appendCheckDigit } from '@simcard/common';
import { TestApi } from './support/harness.js';
import { countRows, countSimcards, importIccid, importMsisdn, invalidLines, postCsv, postImport } from './support/import-helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

/** The same ICCID with its check digit changed. */
function wrongCheckDigit(iccid: string): string {
  return iccid.slice(0, -1) + String((Number(iccid.at(-1)) + 1) % 10);
}

describe('POST /simcards/bulk with a CSV body', () => {
  test('valid rows are inserted and each bad row is reported with its line in the file', async () => {
    const [a, b, c] = [importIccid(), importIccid(), importIccid()];
    const bad = importIccid();
    const csv = [
      'iccid,msisdn,operator,tariff,price', // line 1
      `${a},${importMsisdn()},beeline,Start,15000`, // 2
      '', // 3: blank, skipped but counted as a line
      `${wrongCheckDigit(bad)},,,,`, // 4
      `${b},12345,,,`, // 5: bad phone number
      '8.99E+18,,,,', // 6: Excel's damage
      `${c},,ucell,"Tariff, with comma",abc`, // 7: bad price
      `,${importMsisdn()},,,`, // 8: no ICCID
    ].join('\n');
    const res = await postCsv(api, csv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      received: 6,
      inserted: 1,
      skipped_existing: 0,
      duplicates_in_file: 0,
      invalid_rows: 5,
      dry_run: false,
      mode: 'partial',
    });
    expect(invalidLines(res)).toEqual(['4:iccid', '5:msisdn', '6:iccid', '7:price', '8:iccid']);
    const excel = res.body.invalid.find((p: { line: number }) => p.line === 6);
    expect(excel.reason).toMatch(/Excel/);
    expect(excel.reason).toMatch(/8\.99E\+18|scientific/);
    expect(res.body.invalid.find((p: { line: number }) => p.line === 4).iccid).toBe(wrongCheckDigit(bad));
    const sim = await api.db('simcards').where({ iccid: a }).first();
    expect(sim).toMatchObject({ operator: 'beeline', tariff: 'Start', price: 15000, status: 'in_stock', batch_id: res.body.batch_id });
    expect(res.body.batch_id).toBe(`import-${res.body.import_id}`);
    expect(await countSimcards(api, res.body.batch_id)).toBe(1);
  });

  test('ICCIDs repeated in the file are inserted once and counted as duplicates_in_file', async () => {
    const [a, b] = [importIccid(), importIccid()];
    const res = await postCsv(api, ['iccid', a, b, a, `${a.slice(0, 4)} ${a.slice(4)}`, b].join('\n'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 5, inserted: 2, duplicates_in_file: 3, skipped_existing: 0, invalid_rows: 0 });
  });

  test('re-importing the same file inserts nothing new: every row is skipped_existing', async () => {
    const csv = ['iccid;msisdn', `${importIccid()};${importMsisdn()}`, `${importIccid()};${importMsisdn()}`, `${importIccid()};`].join(
      '\r\n',
    );
    const first = await postCsv(api, csv);
    expect(first.body).toMatchObject({ received: 3, inserted: 3 });
    const before = await countSimcards(api);
    const again = await postCsv(api, csv);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ received: 3, inserted: 0, skipped_existing: 3, duplicates_in_file: 0, invalid_rows: 0 });
    expect(await countSimcards(api)).toBe(before);
    expect(await countSimcards(api, again.body.batch_id)).toBe(0);
  });

  test('a phone number already on another SIM rejects that row only', async () => {
    const phone = importMsisdn();
    const existing = await api.createSimcard({ iccid: importIccid(), msisdn: phone });
    const ok = importIccid();
    const res = await postCsv(api, ['iccid,msisdn', `${importIccid()},${phone}`, `${ok},${importMsisdn()}`].join('\n'));
    expect(res.body).toMatchObject({ received: 2, inserted: 1, invalid_rows: 1 });
    expect(res.body.invalid).toEqual([
      {
        line: 2,
        iccid: expect.any(String),
        field: 'msisdn',
        reason: expect.stringContaining(existing.iccid),
        code: 'msisdn.taken',
        params: { msisdn: phone, iccid: existing.iccid },
      },
    ]);
  });

  test('a phone number twice in the file: the second row is rejected naming the first line', async () => {
    const phone = importMsisdn();
    const res = await postCsv(api, ['iccid,msisdn', `${importIccid()},${phone}`, `${importIccid()},${phone}`].join('\n'));
    expect(res.body).toMatchObject({ inserted: 1, invalid_rows: 1 });
    expect(res.body.invalid[0]).toMatchObject({ line: 3, field: 'msisdn', reason: expect.stringContaining('line 2') });
  });

  test('a number in another operator’s range is imported with a warning (numbers can be ported)', async () => {
    const iccid = importIccid();
    const res = await postCsv(api, ['iccid,msisdn,operator', `${iccid},${importMsisdn('93')},beeline`].join('\n'));
    expect(res.body).toMatchObject({ inserted: 1, invalid_rows: 0, warning_count: 1 });
    expect(res.body.warnings).toEqual([
      {
        line: 2,
        iccid,
        field: 'msisdn',
        reason: expect.stringMatching(/ucell.*beeline/),
        code: 'msisdn.other_operator',
        params: expect.objectContaining({ range_operator: 'ucell', operator: 'beeline' }),
      },
    ]);
    expect((await api.db('simcards').where({ iccid }).first()).operator).toBe('beeline');
  });

  test('without an operator column the number’s range names the operator', async () => {
    const iccid = importIccid();
    await postCsv(api, ['iccid,msisdn', `${iccid},${importMsisdn('97')}`].join('\n'));
    expect((await api.db('simcards').where({ iccid }).first()).operator).toBe('mobiuz');
  });

  test('a header without an ICCID column is refused with 400, naming line 1', async () => {
    const res = await postCsv(api, 'phone,price\n+998901234567,100\n');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/Line 1.*ICCID/);
  });

  test('a file with a header and no rows is refused with 400', async () => {
    const before = await countRows(api, 'imports');
    const res = await postCsv(api, 'iccid\n\n');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('empty_import');
    expect(await countRows(api, 'imports')).toBe(before);
  });
});

describe('POST /simcards/bulk with JSON', () => {
  test('rows are validated; line is the 1-based position in rows; keys match like headers', async () => {
    const [a, b] = [importIccid(), importIccid()];
    const res = await api.post('/simcards/bulk', {
      rows: [
        { iccid: a, msisdn: '90 123 45 67', Narx: '12 000' },
        { ICCID: '123' },
        { iccid: b, operator: 'Ucell', tariff: 'Mini', price: 5000 },
        { iccid: Number('8999802000000000001') },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 4, inserted: 2, invalid_rows: 2 });
    expect(invalidLines(res)).toEqual(['2:iccid', '4:iccid']);
    expect(res.body.invalid[1].reason).toMatch(/Excel|number/);
    expect(await api.db('simcards').where({ iccid: a }).first()).toMatchObject({
      msisdn: '+998901234567',
      price: 12000,
      operator: 'beeline',
    });
    expect(await api.db('simcards').where({ iccid: b }).first()).toMatchObject({ operator: 'ucell', tariff: 'Mini', price: 5000 });
  });

  test('a JSON body larger than the 1 MB global limit is accepted on this route', async () => {
    const rows = Array.from({ length: 15_000 }, () => ({ iccid: importIccid(), tariff: 'x'.repeat(40), operator: 'beeline' }));
    const body = JSON.stringify({ rows });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await postImport(api, body, 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 15_000, inserted: 15_000 });
    expect(await countSimcards(api, res.body.batch_id)).toBe(15_000);
  });

  test('malformed JSON, unknown top-level fields and __proto__ keys are 400s', async () => {
    expect((await postImport(api, '{"rows": [', 'application/json')).status).toBe(400);
    const unknown = await api.post('/simcards/bulk', { rows: [], extra: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].field).toBe('extra');
    const proto = await postImport(api, `{"rows":[{"iccid":"${importIccid()}","__proto__":{"x":1}}]}`, 'application/json');
    expect(proto.status).toBe(400);
  });
});

describe('text/plain: a pasted list of ICCIDs', () => {
  test('one per line, with spaces or dashes, blank lines skipped; lines counted from 1', async () => {
    const [a, b] = [importIccid(), importIccid()];
    const text = [`${a.slice(0, 5)} ${a.slice(5, 10)}-${a.slice(10)}`, '', b, '12345'].join('\n');
    const res = await postImport(api, text, 'text/plain');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 3, inserted: 2, invalid_rows: 1 });
    expect(invalidLines(res)).toEqual(['4:iccid']);
    expect(await api.db('simcards').where({ iccid: a }).first()).toBeTruthy();
  });
});

describe('strict mode and dry runs', () => {
  test('strict with one invalid row: 422 with the report, nothing inserted, refusal kept in the history', async () => {
    const good = importIccid();
    const before = await countSimcards(api);
    const res = await postCsv(api, ['iccid', good, '8999'].join('\n'), 'mode=strict');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ received: 2, inserted: 0, invalid_rows: 1, batch_id: null, mode: 'strict' });
    expect(res.body.error.code).toBe('rows_invalid');
    expect(invalidLines(res)).toEqual(['3:iccid']);
    expect(await countSimcards(api)).toBe(before);
    expect(await api.db('simcards').where({ iccid: good }).first()).toBeUndefined();
    const history = await api.get(`/imports/${res.body.import_id}`);
    expect(history.body).toMatchObject({ status: 'rejected', inserted: 0, invalid_rows: 1, mode: 'strict' });
  });

  test('strict with every row valid inserts them all', async () => {
    const res = await postCsv(api, ['iccid', importIccid(), importIccid()].join('\n'), 'mode=strict');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ inserted: 2, invalid_rows: 0 });
  });

  test('a dry run reports exactly what the import would do and writes nothing', async () => {
    const existing = await api.createSimcard({ iccid: importIccid() });
    const shop = await api.createShop();
    const fresh = importIccid();
    const csv = ['iccid', existing.iccid, fresh, fresh, 'bad'].join('\n');
    const tables = ['simcards', 'imports', 'assignment_logs', 'idempotency_keys'];
    const before = await Promise.all(tables.map((t) => countRows(api, t)));
    const res = await postCsv(api, csv, `dry_run=true&shop_id=${shop.id}`, { headers: { 'Idempotency-Key': 'dry-run-key' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      dry_run: true,
      import_id: null,
      batch_id: null,
      received: 4,
      inserted: 1,
      skipped_existing: 1,
      duplicates_in_file: 1,
      invalid_rows: 1,
    });
    expect(await Promise.all(tables.map((t) => countRows(api, t)))).toEqual(before);
    expect(await api.db('simcards').where({ iccid: fresh }).first()).toBeUndefined();
  });
});

describe('Idempotency-Key', () => {
  test('a retry gets the first answer back, and the rows are not imported twice', async () => {
    const csv = ['iccid', importIccid(), importIccid()].join('\n');
    const headers = { 'Idempotency-Key': `key-${importIccid()}` };
    const first = await postCsv(api, csv, '', { headers });
    expect(first.status).toBe(200);
    expect(first.body.inserted).toBe(2);
    const importsBefore = await countRows(api, 'imports');
    const retry = await postCsv(api, csv, '', { headers });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await countRows(api, 'imports')).toBe(importsBefore);
  });

  test('the same key with a different file is 422 and imports nothing', async () => {
    const headers = { 'Idempotency-Key': `key-${importIccid()}` };
    await postCsv(api, ['iccid', importIccid()].join('\n'), '', { headers });
    const other = importIccid();
    const res = await postCsv(api, ['iccid', other].join('\n'), '', { headers });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('idempotency_key_reused');
    expect(await api.db('simcards').where({ iccid: other }).first()).toBeUndefined();
  });

  test('a strict refusal is replayed as the same 422', async () => {
    const headers = { 'Idempotency-Key': `key-${importIccid()}` };
    const csv = 'iccid\n123\n';
    const first = await postCsv(api, csv, 'mode=strict', { headers });
    const retry = await postCsv(api, csv, 'mode=strict', { headers });
    expect([first.status, retry.status]).toEqual([422, 422]);
    expect(retry.body).toEqual(first.body);
  });

  test('a request refused before importing (400) leaves the key free for a corrected retry', async () => {
    const headers = { 'Idempotency-Key': `key-${importIccid()}` };
    expect((await postCsv(api, 'phone\n1\n', '', { headers })).status).toBe(400);
    const res = await postCsv(api, ['iccid', importIccid()].join('\n'), '', { headers });
    expect(res.status).toBe(200);
    expect(res.body.inserted).toBe(1);
  });

  test('two identical requests at once with one key: exactly one imports, the other is 409 or the replay', async () => {
    const csv = ['iccid', ...Array.from({ length: 3000 }, () => importIccid())].join('\n');
    const headers = { 'Idempotency-Key': `key-${importIccid()}` };
    const importsBefore = await countRows(api, 'imports');
    const answers = await Promise.all([postCsv(api, csv, '', { headers }), postCsv(api, csv, '', { headers })]);
    const done = answers.filter((r) => r.status === 200);
    expect(done.length).toBeGreaterThanOrEqual(1);
    for (const r of answers) expect([200, 409]).toContain(r.status);
    for (const r of done) expect(r.body).toEqual(done[0]!.body);
    expect(done[0]!.body.inserted).toBe(3000);
    expect(await countRows(api, 'imports')).toBe(importsBefore + 1);
  });

  test('an unprintable key is a 400', async () => {
    const res = await postCsv(api, 'iccid\n', '', { headers: { 'Idempotency-Key': 'x'.repeat(300) } });
    expect(res.status).toBe(400);
  });
});

describe('importing straight into a shop', () => {
  test('shop_id: the SIMs become assigned, with assigned_at and an assignment log each', async () => {
    const shop = await api.createShop();
    const [a, b] = [importIccid(), importIccid()];
    const res = await postCsv(api, ['iccid', a, b].join('\n'), `shop_id=${shop.id}`);
    expect(res.body.inserted).toBe(2);
    const sims = await api.db('simcards').whereIn('iccid', [a, b]);
    for (const sim of sims) expect(sim).toMatchObject({ shop_id: shop.id, status: 'assigned', assigned_at: expect.anything() });
    const logs = await api.db('assignment_logs').whereIn('iccid', [a, b]);
    expect(logs).toHaveLength(2);
    for (const log of logs) expect(log).toMatchObject({ from_shop_id: null, to_shop_id: shop.id, action: 'assigned' });
  });

  test('shop_id in a JSON body works the same', async () => {
    const shop = await api.createShop();
    const iccid = importIccid();
    const res = await api.post('/simcards/bulk', { rows: [{ iccid }], shop_id: shop.id });
    expect(res.body.inserted).toBe(1);
    expect(await api.db('simcards').where({ iccid }).first()).toMatchObject({ shop_id: shop.id, status: 'assigned' });
  });

  test('an unknown or inactive shop is a 400 and nothing is inserted', async () => {
    const iccid = importIccid();
    const missing = await postCsv(api, `iccid\n${iccid}\n`, 'shop_id=999999');
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0].field).toBe('shop_id');
    const inactive = await api.createShop({ is_active: false });
    expect((await postCsv(api, `iccid\n${iccid}\n`, `shop_id=${inactive.id}`)).status).toBe(400);
    expect(await api.db('simcards').where({ iccid }).first()).toBeUndefined();
  });
});

describe('?check_digit=absent', () => {
  const base18 = () => importIccid().slice(0, -1);

  test('ICCIDs without their Luhn digit get it appended', async () => {
    const digits = base18();
    const res = await postCsv(api, `iccid\n${digits}\n`, 'check_digit=absent');
    expect(res.body).toMatchObject({ inserted: 1, invalid_rows: 0 });
    expect(
      await api
        .db('simcards')
        .where({ iccid: appendCheckDigit(digits) })
        .first(),
    ).toBeTruthy();
  });

  test('without the option such a file fails with a reason naming the option', async () => {
    const res = await postCsv(api, ['iccid', base18(), base18()].join('\n'));
    expect(res.body).toMatchObject({ inserted: 0, invalid_rows: 2 });
    for (const p of res.body.invalid) expect(p.reason).toContain('check_digit=absent');
    expect(res.body.warnings.map((w: { reason: string }) => w.reason).join(' ')).toContain('check_digit=absent');
  });

  test('with the option a full 20-digit ICCID is refused (it already has its digit)', async () => {
    const res = await postCsv(api, `iccid\n${appendCheckDigit(`89998020${'1'.repeat(11)}`)}\n`, 'check_digit=absent');
    expect(res.body.invalid[0].reason).toMatch(/18 or 19 digits/);
  });
});

describe('limits and content types', () => {
  test('a declared body over the 200 MB cap is refused with 413 before it is read', async () => {
    const { status } = await new Promise<{ status: number }>((resolve, reject) => {
      const req = httpRequest(`${api.url}/simcards/bulk`, {
        method: 'POST',
        headers: { authorization: `Bearer ${api.adminToken}`, 'content-type': 'text/csv', 'content-length': String(201 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(status).toBe(413);
  });

  test('a JSON import over its 32 MB cap, sent without a length, is cut off with 413', async () => {
    const chunk = Buffer.from(`{"iccid":"${'1'.repeat(19)}","tariff":"${'t'.repeat(960)}"},`);
    async function* body() {
      yield Buffer.from('{"rows":[');
      for (let sent = 0; sent < 33 * 1024 * 1024; sent += chunk.length) yield chunk;
      yield Buffer.from('{}]}');
    }
    const res = await fetch(`${api.url}/simcards/bulk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.adminToken}`, 'content-type': 'application/json' },
      body: ReadableStream.from(body()),
      duplex: 'half',
    } as RequestInit).catch((err: Error) => err);
    // The server answers 413 as soon as the cap is passed; the client may still be sending.
    if (res instanceof Error) throw res;
    expect(res.status).toBe(413);
  });

  test('an unsupported content type is 415', async () => {
    const res = await postImport(api, 'iccid', 'application/pdf');
    expect(res.status).toBe(415);
  });
});

describe('who may import', () => {
  test('staff get 403 and anonymous callers 401 on every import endpoint; nothing is written', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    const iccid = importIccid();
    const calls = [
      () => postCsv(api, `iccid\n${iccid}\n`, '', { token }),
      () => api.get('/imports', { token }),
      () => api.get('/imports/1', { token }),
    ];
    for (const call of calls) expect((await call()).status).toBe(403);
    const anonymous = [
      () => postCsv(api, `iccid\n${iccid}\n`, '', { token: null }),
      () => api.get('/imports', { token: null }),
      () => api.get('/imports/1', { token: null }),
    ];
    for (const call of anonymous) expect((await call()).status).toBe(401);
    expect(await api.db('simcards').where({ iccid }).first()).toBeUndefined();
  });
});

describe('GET /imports and /imports/{id}', () => {
  test('the history lists imports newest first: who, when, file name, format, counts', async () => {
    await postCsv(api, `iccid\n${importIccid()}\n`, 'file_name=first.csv');
    const second = await postImport(api, `${importIccid()}\n`, 'text/plain', 'file_name=pasted.txt');
    const res = await api.get('/imports?limit=2');
    expect(res.status).toBe(200);
    expect(res.body.limit).toBe(2);
    expect(res.body.total).toBeGreaterThanOrEqual(2);
    expect(res.body.data.map((i: { file_name: string }) => i.file_name)).toEqual(['pasted.txt', 'first.csv']);
    expect(res.body.data[0]).toMatchObject({
      id: second.body.import_id,
      batch_id: second.body.batch_id,
      status: 'completed',
      user: { username: 'admin' },
      format: 'text',
      received: 1,
      inserted: 1,
      created_at: expect.stringMatching(/Z$/),
    });
    expect(res.body.data[0].report).toBeUndefined();
  });

  test('one import carries its report; an unknown id is 404', async () => {
    const imported = await postCsv(api, ['iccid', importIccid(), 'x'].join('\n'));
    const res = await api.get(`/imports/${imported.body.import_id}`);
    expect(res.status).toBe(200);
    expect(res.body.report).toMatchObject({ received: 2, inserted: 1, invalid_rows: 1, invalid: [{ line: 3, field: 'iccid' }] });
    expect(res.body.format).toBe('csv');
    expect((await api.get('/imports/99999999')).status).toBe(404);
  });

  test('the imported SIMs are listed by the batch id', async () => {
    const imported = await postCsv(api, ['iccid', importIccid(), importIccid()].join('\n'));
    const res = await api.get(`/simcards?batch_id=${imported.body.batch_id}`);
    expect(res.body.total).toBe(2);
  });
});
