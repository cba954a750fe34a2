/**
 * POST /activation-reports against what a real operator's file or a hostile client brings: files
 * that hold nothing (empty, a header alone, separators alone), BOM and CRLF, a 50 MB line, cut
 * and bomb workbooks (the import's protection applies to reports too); rows that repeat an ICCID
 * or carry dates that do not exist, lie ahead, or are written in two digits; `?operator=` against
 * an operator column, and an operator none of our SIMs has; an Idempotency-Key reused with another
 * file; a dry run answering what the real run then does; SIMs a check already sold on the same or
 * another day; and the discrepancies' CSV as a Russian Excel opens it. Every refusal is a 4xx with
 * a code the web app translates (and its params), never a 500; a refused report writes nothing.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { appendCheckDigit, dealerDayBounds, type Principal } from '@simcard/common';
import { SaleOutbox } from '@simcard/db';
import { sharedStringsBomb, simpleXlsx, truncated, XLSX_TYPE } from '../../../tests/fixtures/hostile/generate.js';
import { FILE_PROBLEM_CODES } from '../src/import/file-problem-codes.js';
import { DEFAULT_PARSE_LIMITS } from '../src/import/limits.js';
import type { SourceRow } from '../src/import/source-row.js';
import { ActivationReportsService } from '../src/services/activation-reports.js';
import { Idempotency } from '../src/services/idempotency.js';
import type { ImportSource } from '../src/services/imports.js';
import { type ApiResponse, TestApi } from './support/harness.js';

const TZ = 'Asia/Tashkent';
let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start({
    WEBHOOK_URLS: 'http://127.0.0.1:9/hooks',
    WEBHOOK_SECRET: 'a-secret-of-32-bytes-for-tests!!',
    TIME_ZONE: TZ,
  });
  // A beeline SIM from the start: `?operator=beeline` names an operator we hold.
  await api.createSimcard({ iccid: iccid(), operator: 'beeline' });
});
afterAll(() => api.close());

let n = 0;
/** ICCIDs from a range of this file's own. */
function iccid(): string {
  return appendCheckDigit(`8999806${String(process.pid % 10000).padStart(4, '0')}${String(++n).padStart(7, '0')}`);
}

function post(body: string | Buffer, query = '', headers: Record<string, string> = {}) {
  return api.request('POST', `/activation-reports${query ? `?${query}` : ''}`, {
    rawBody: body,
    headers: { 'content-type': 'text/csv', ...headers },
  });
}

async function count(table: string, where: Record<string, unknown> = {}): Promise<number> {
  const row = (await api.db(table).where(where).count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

/** A beeline SIM at a new shop since 1 November (assigned: a report's sale is clean). */
async function shopSim(fields: Record<string, unknown> = {}) {
  const shop = await api.createShop();
  const sim = (await api.createSimcard({ iccid: iccid(), operator: 'beeline', ...fields })) as { id: number; iccid: string };
  await api.db('simcards').where({ id: sim.id }).update({ shop_id: shop.id, status: 'assigned', assigned_at: '2026-11-01T08:00:00.000Z' });
  return sim;
}

async function simRow(id: number) {
  return (await api.db('simcards').where({ id }).first()) as { status: string; sold_at: unknown; sale_source: string | null };
}

const iso = (v: unknown) => (v === null ? null : new Date(v as string).toISOString());

/** What a refused report leaves: nothing kept, nothing sold or announced. */
async function nothingWritten(before: { reports: number; logs: number; deliveries: number }) {
  expect({
    reports: await count('activation_reports'),
    logs: await count('status_check_logs', { source: 'report' }),
    deliveries: await count('notification_deliveries'),
  }).toEqual(before);
}

async function counts() {
  return {
    reports: await count('activation_reports'),
    logs: await count('status_check_logs', { source: 'report' }),
    deliveries: await count('notification_deliveries'),
  };
}

/** The refusal's `file` detail: a 4xx with the top-level code, and a code the web app translates. */
function fileProblem(res: ApiResponse, status: number, errorCode: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code: errorCode });
  const detail = (res.body.error.details as Array<{ code?: string; params?: Record<string, unknown>; reason: string }>).find((d) =>
    d.code?.startsWith('file.'),
  );
  expect(detail).toBeDefined();
  expect(FILE_PROBLEM_CODES).toContain(detail!.code);
  return detail!;
}

const spoolDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`simcard-import-${process.pid}-`));

describe('a file that holds no report', () => {
  test('an empty file is 400 empty_import, and keeps no report', async () => {
    const before = await counts();
    for (const body of ['', '\uFEFF', '\r\n\r\n']) {
      const res = await post(body, 'operator=beeline');
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'empty_import' });
    }
    await nothingWritten(before);
  });

  test('a header without a row is 400 empty_import, and keeps no report (also as a dry run and as XLSX)', async () => {
    const before = await counts();
    for (const query of ['operator=beeline', 'operator=beeline&dry_run=true']) {
      const res = await post('\uFEFFICCID;Дата активации\r\n', query);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'empty_import' });
    }
    const xlsx = await post(simpleXlsx([['iccid', 'activation date']]), 'operator=beeline', { 'content-type': XLSX_TYPE });
    expect({ status: xlsx.status, code: xlsx.body.error?.code }).toEqual({ status: 400, code: 'empty_import' });
    await nothingWritten(before);
  });

  test('a file of separators only holds no row: 400 empty_import; a header naming no ICCID column is 400 file.no_iccid_column naming what it found', async () => {
    const before = await counts();
    const res = await post(';;;\r\n; ;;\r\n', 'operator=beeline');
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'empty_import' });
    const named = await post('phone;tariff\r\n+998901234567;Start\r\n', 'operator=beeline');
    expect(fileProblem(named, 400, 'validation_failed')).toMatchObject({
      code: 'file.no_iccid_column',
      params: { found: 'phone, tariff' },
    });
    await nothingWritten(before);
  });

  test('a header without an activation date column is 400 with file.no_date_column', async () => {
    const res = await post(`iccid;msisdn\r\n${iccid()};\r\n`, 'operator=beeline');
    expect(fileProblem(res, 400, 'validation_failed')).toMatchObject({ code: 'file.no_date_column', params: { found: 'iccid, msisdn' } });
  });
});

describe('how a file is written', () => {
  test('a BOM, CRLF, a headerless file and blank lines are read as any other file', async () => {
    const a = await shopSim();
    const b = await shopSim();
    const withHeader = await post(`\uFEFFICCID;Дата активации\r\n${a.iccid};30.11.2026\r\n\r\n`, 'operator=beeline');
    expect(withHeader.status).toBe(200);
    expect(withHeader.body).toMatchObject({ rows_total: 1, sold: 1, discrepancy_count: 0 });
    const headerless = await post(`\uFEFF${b.iccid};30.11.2026 14:05\r\n`, 'operator=beeline');
    expect(headerless.status).toBe(200);
    expect(headerless.body).toMatchObject({ rows_total: 1, sold: 1, discrepancy_count: 0 });
    expect(iso((await simRow(b.id)).sold_at)).toBe('2026-11-30T09:05:00.000Z');
  });

  test('a Windows-1251 file with Russian headers (as Russian Excel saves CSV) is read', async () => {
    const a = await shopSim();
    const text = `ICCID;Дата активации;Тариф\r\n${a.iccid};30.11.2026 14:05;Старт\r\n`;
    // А–я are 0xC0–0xFF in Windows-1251; the rest here is ASCII.
    const cp1251 = Buffer.from([...text].map((ch) => (ch >= 'А' && ch <= 'я' ? 0xc0 + ch.charCodeAt(0) - 0x410 : ch.charCodeAt(0))));
    const res = await post(cp1251, 'operator=beeline');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows_total: 1, sold: 1, discrepancy_count: 0 });
    expect(iso((await simRow(a.id)).sold_at)).toBe('2026-11-30T09:05:00.000Z');
  });

  test('rows of separators only (Excel’s trailing rows) are skipped as blank lines are, not listed', async () => {
    const a = await shopSim();
    const res = await post(`iccid;activation date;msisdn\r\n${a.iccid};30.11.2026;\r\n;;\r\n ; ;\r\n;;\r\n`, 'operator=beeline');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows_total: 1, sold: 1, discrepancy_count: 0 });
  });

  test('a 50 MB single line is refused (400 file.csv_record_too_long) within seconds, and the database is writable after', async () => {
    const before = await counts();
    const started = performance.now();
    const res = await post(Buffer.alloc(50 * 1024 * 1024, '8'), 'operator=beeline');
    expect(fileProblem(res, 400, 'malformed_csv')).toMatchObject({ code: 'file.csv_record_too_long' });
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(spoolDirs()).toEqual([]);
    await nothingWritten(before);
    const sim = await api.createSimcard({ iccid: iccid() });
    expect((await api.put(`/simcards/${sim.id}`, { notes: 'after the long line' })).status).toBe(200);
  });

  test('a cut XLSX is 400 truncated_file and a shared-strings bomb 413, as for the import (also as dry runs); nothing kept', async () => {
    const before = await counts();
    const book = simpleXlsx([['iccid', 'activation date'], ...Array.from({ length: 200 }, () => [iccid(), '30.11.2026'])]);
    for (const query of ['operator=beeline', 'operator=beeline&dry_run=true']) {
      const cut = await post(truncated(book, 0.6), query, { 'content-type': XLSX_TYPE });
      expect(fileProblem(cut, 400, 'truncated_file').code).toBe('file.truncated');
      const started = performance.now();
      const bomb = await post(sharedStringsBomb(), query, { 'content-type': XLSX_TYPE });
      expect(fileProblem(bomb, 413, 'xlsx_too_large').code).toBe('file.xlsx_too_large');
      expect(performance.now() - started).toBeLessThan(30_000);
    }
    expect(spoolDirs()).toEqual([]);
    await nothingWritten(before);
  });

  test('a parser that stops answering is abandoned at the import’s deadline (413 import_too_slow), nothing kept', async () => {
    // The service as the app makes it, with a 300 ms deadline, given a file whose parser answers the header and then never again.
    const service = new ActivationReportsService(api.db, new Idempotency(api.db), new SaleOutbox(api.config.notifications), TZ, {
      ...DEFAULT_PARSE_LIMITS,
      deadlineMs: 300,
    });
    let stopped = false;
    const source: ImportSource = {
      format: 'csv',
      fileName: 'stuck.csv',
      sizeBytes: 100,
      scratchDir: () => Promise.reject(new Error('not used')),
      rows: async function* (): AsyncGenerator<SourceRow[]> {
        try {
          yield [{ line: 1, cells: {}, raw: ['iccid', 'activation date'] }];
          await new Promise(() => {});
        } finally {
          stopped = true;
        }
      },
    };
    const admin = (await api.db('users').where({ username: 'admin' }).first()) as { id: number };
    const principal = {
      userId: admin.id,
      username: 'admin',
      role: 'admin',
      shopId: null,
      jti: 'edges',
      expiresAt: new Date(),
    } as Principal;
    const before = await counts();
    const started = performance.now();
    const answer = service.bringIn(principal, source, { operator: null, dryRun: false, checkDigitAbsent: false, idempotencyClaim: null });
    await expect(answer).rejects.toMatchObject({ status: 413, code: 'import_too_slow' });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(stopped).toBe(false); // abandoned, not awaited: its generator is still parked
    await nothingWritten(before);
  }, 15_000);

  test('a JSON body is refused with a code the web app translates (415 file.unsupported_type)', async () => {
    const res = await post(JSON.stringify({ rows: [{ iccid: iccid() }] }), 'operator=beeline', { 'content-type': 'application/json' });
    expect(fileProblem(res, 415, 'unsupported_media_type')).toMatchObject({ code: 'file.unsupported_type' });
  });
});

describe('rows', () => {
  test('the same ICCID twice: sold once, on the first row’s date, the repeat listed naming the first line (same date or another)', async () => {
    const a = await shopSim();
    const b = await shopSim();
    const csv = [
      'iccid;activation date',
      `${a.iccid};30.11.2026`,
      `${a.iccid};30.11.2026`,
      `${b.iccid};29.11.2026`,
      `${b.iccid};01.12.2026`,
    ];
    const res = await post(csv.join('\r\n'), 'operator=beeline');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows_total: 4, sold: 2, already_sold: 0 });
    expect(res.body.discrepancies).toEqual([
      expect.objectContaining({ line: 3, iccid: a.iccid, kind: 'invalid_row', reason: expect.stringMatching(/line 2/) }),
      expect.objectContaining({ line: 5, iccid: b.iccid, kind: 'invalid_row', reason: expect.stringMatching(/line 4/) }),
    ]);
    expect(iso((await simRow(b.id)).sold_at)).toBe(dealerDayBounds('2026-11-29', TZ).from);
    expect(await count('status_check_logs', { simcard_id: a.id, sale: true })).toBe(1);
  });

  test('dates that do not exist, lie ahead, have two-digit or pre-2000 years are listed and not sold; Excel serials, ISO zones and 29.02 of a leap year are read', async () => {
    const future = new Date(Date.now() + 2 * 86_400_000);
    const dmy = (d: Date) =>
      `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${d.getUTCFullYear()}`;
    const refused = ['31.02.2026', '30.11.2026 24:00', '29.02.2027', dmy(future), '30.11.26', '30.11.0026', '0099-11-30', '19000'];
    const read: Array<[string, string]> = [
      ['29.02.2024', dealerDayBounds('2024-02-29', TZ).from],
      ['46356.5', '2026-11-30T07:00:00.000Z'],
      ['2026-11-30T22:30:00Z', '2026-11-30T22:30:00.000Z'],
      ['2026-11-30T14:05:00+03:00', '2026-11-30T11:05:00.000Z'],
    ];
    const bad = await Promise.all(refused.map(() => shopSim()));
    const good = await Promise.all(read.map(() => shopSim()));
    const csv = [
      'iccid;activation date',
      ...refused.map((d, i) => `${bad[i]!.iccid};${d}`),
      ...read.map(([d], i) => `${good[i]!.iccid};${d}`),
    ].join('\r\n');
    const res = await post(csv, 'operator=beeline');
    expect(res.status).toBe(200);
    // Read and sold; 29.02.2024 is before the SIM reached its shop (1 November 2026): listed as such, still sold.
    expect(res.body).toMatchObject({ sold: read.length, discrepancy_count: refused.length + 1 });
    expect(res.body.counts).toMatchObject({ invalid_row: refused.length, activated_before_assignment: 1 });
    const invalid = res.body.discrepancies.filter((d: { kind: string }) => d.kind === 'invalid_row');
    expect(invalid.map((d: { line: number; reason: string }) => [d.line, /activation date/.test(d.reason)])).toEqual(
      refused.map((_, i) => [i + 2, true]),
    );
    for (const s of bad) expect((await simRow(s.id)).status).toBe('assigned');
    for (const [i, s] of good.entries()) expect([i, iso((await simRow(s.id)).sold_at)]).toEqual([i, read[i]![1]]);
  });
});

describe('operators', () => {
  test('a row whose operator column contradicts ?operator= is listed as other_operator (the report’s operator against ours) and not sold', async () => {
    const ucell = await shopSim({ operator: 'ucell' });
    const beeline = await shopSim();
    const beelineAsUcell = await shopSim();
    const csv = [
      'iccid;activation date;operator',
      `${ucell.iccid};30.11.2026;Ucell`,
      `${beeline.iccid};30.11.2026;Билайн`,
      `${beelineAsUcell.iccid};30.11.2026;ucell`,
    ].join('\r\n');
    const res = await post(csv, 'operator=beeline');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ operator: 'beeline', sold: 1, discrepancy_count: 2 });
    // Each names two different operators: ours and the report's.
    expect(res.body.discrepancies).toEqual([
      expect.objectContaining({
        line: 2,
        iccid: ucell.iccid,
        kind: 'other_operator',
        reason: expect.stringMatching(/ucell.*beeline/),
        report: expect.objectContaining({ operator: 'beeline' }),
        ours: expect.objectContaining({ operator: 'ucell' }),
      }),
      expect.objectContaining({
        line: 4,
        iccid: beelineAsUcell.iccid,
        kind: 'other_operator',
        report: expect.objectContaining({ operator: 'ucell' }),
        ours: expect.objectContaining({ operator: 'beeline' }),
      }),
    ]);
    expect((await simRow(ucell.id)).status).toBe('assigned');
    expect((await simRow(beelineAsUcell.id)).status).toBe('assigned');
    expect((await simRow(beeline.id)).status).toBe('sold');
  });

  test('an operator none of our SIMs has is 400 naming the operator, and keeps no report', async () => {
    const before = await counts();
    const a = await shopSim();
    const res = await post(`iccid;activation date\r\n${a.iccid};30.11.2026\r\n`, 'operator=beelin');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ field: 'operator', code: 'operator.not_held', params: { operator: 'beelin' } }),
    ]);
    const malformed = await post(`iccid;activation date\r\n${a.iccid};30.11.2026\r\n`, 'operator=%3Cscript%3E');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details[0]).toMatchObject({ field: 'operator' });
    expect((await simRow(a.id)).status).toBe('assigned');
    await nothingWritten(before);
  });
});

describe('answers', () => {
  test('an Idempotency-Key reused with another file is 422 idempotency_key_reused, and the other file is not brought in', async () => {
    const a = await shopSim();
    const b = await shopSim();
    const key = `edges-${process.pid}-reuse`;
    const first = await post(`iccid;activation date\r\n${a.iccid};30.11.2026\r\n`, 'operator=beeline', { 'Idempotency-Key': key });
    expect(first.status).toBe(200);
    const before = await counts();
    const other = await post(`iccid;activation date\r\n${b.iccid};30.11.2026\r\n`, 'operator=beeline', { 'Idempotency-Key': key });
    expect({ status: other.status, code: other.body.error?.code }).toEqual({ status: 422, code: 'idempotency_key_reused' });
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect((await simRow(b.id)).status).toBe('assigned');
    await nothingWritten(before);
  });

  test('a refused report leaves its Idempotency-Key free: the corrected file under the same key is brought in', async () => {
    const a = await shopSim();
    const key = `edges-${process.pid}-refused`;
    const refused = await post('iccid;msisdn\r\n', 'operator=beeline', { 'Idempotency-Key': key });
    expect(refused.status).toBe(400);
    const fixed = await post(`iccid;activation date\r\n${a.iccid};30.11.2026\r\n`, 'operator=beeline', { 'Idempotency-Key': key });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ sold: 1 });
  });

  test('a dry run answers what the real run then does: the same counts and discrepancies, and writes nothing', async () => {
    const shop = await api.createShop();
    const sims = [];
    for (let i = 0; i < 6; i++) sims.push(await shopSim());
    const stock = (await api.createSimcard({ iccid: iccid(), operator: 'beeline' })) as { id: number; iccid: string };
    const ucell = await shopSim({ operator: 'ucell' });
    await api.db('simcards').where({ id: sims[0]!.id }).update({ shop_id: shop.id, assigned_at: '2026-12-01T05:00:00.000Z' });
    await api
      .db('simcards')
      .where({ id: sims[1]!.id })
      .update({ status: 'sold', sold_at: '2026-11-20T07:00:00.000Z', activated_at: '2026-11-20T07:00:00.000Z' });
    const csv = [
      'iccid;activation date;msisdn',
      ...sims.map((s) => `${s.iccid};30.11.2026;`),
      `${stock.iccid};30.11.2026;`,
      `${ucell.iccid};30.11.2026;`,
      `${iccid()};30.11.2026;`,
      `${sims[2]!.iccid};30.11.2026;`,
      `${sims[3]!.iccid};31.11.2026;`,
      `${sims[4]!.iccid.slice(0, -1)}0;30.11.2026;`,
      `${sims[5]!.iccid};30.11.2026;+998 90 000 00 00`,
    ].join('\r\n');
    const before = await counts();
    const dry = await post(csv, 'operator=beeline&dry_run=true');
    expect(dry.status).toBe(200);
    await nothingWritten(before);
    const real = await post(csv, 'operator=beeline');
    expect(real.status).toBe(200);
    const comparable = (body: Record<string, unknown>) => {
      const { id: _id, dry_run: _dry, uploaded_at: _at, ...rest } = body;
      return rest;
    };
    expect(comparable(dry.body)).toEqual(comparable(real.body));
    expect(real.body.sold).toBe((await count('status_check_logs', { source: 'report', sale: true })) - before.logs);
    expect(Object.values(real.body.counts as Record<string, number>).filter((c) => c > 0).length).toBeGreaterThanOrEqual(5);
  });

  test('a SIM a check already sold is not sold or announced again: on the same dealer day nothing is listed, on another day sold_on_other_date', async () => {
    const same = await shopSim();
    const other = await shopSim();
    for (const [s, at] of [
      [same, '2026-11-30T12:00:00.000Z'],
      [other, '2026-11-28T12:00:00.000Z'],
    ] as const) {
      await api.db('simcards').where({ id: s.id }).update({ status: 'sold', provider_status: 'active', sold_at: at, activated_at: at });
    }
    const before = await counts();
    const res = await post(`iccid;activation date\r\n${same.iccid};30.11.2026 09:00\r\n${other.iccid};30.11.2026\r\n`, 'operator=beeline');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sold: 0, already_sold: 2, discrepancy_count: 1 });
    expect(res.body.discrepancies).toEqual([expect.objectContaining({ iccid: other.iccid, kind: 'sold_on_other_date' })]);
    expect(iso((await simRow(same.id)).sold_at)).toBe('2026-11-30T12:00:00.000Z');
    expect((await simRow(other.id)).sale_source).toBeNull();
    const after = await counts();
    expect({ logs: after.logs, deliveries: after.deliveries }).toEqual({ logs: before.logs, deliveries: before.deliveries });
  });
  test('the same report sent twice at once (no key): each SIM sold, credited and announced once; the second answers them as already sold', async () => {
    const sims = [];
    for (let i = 0; i < 5; i++) sims.push(await shopSim());
    const csv = ['iccid;activation date', ...sims.map((s) => `${s.iccid};30.11.2026`)].join('\r\n');
    const before = await counts();
    const [a, b] = await Promise.all([post(csv, 'operator=beeline'), post(csv, 'operator=beeline')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.sold + b.body.sold, a.body.already_sold + b.body.already_sold]).toEqual([5, 5]);
    const after = await counts();
    expect({ logs: after.logs - before.logs, deliveries: after.deliveries - before.deliveries }).toEqual({ logs: 5, deliveries: 5 });
    for (const s of sims) expect(await count('status_check_logs', { simcard_id: s.id, sale: true })).toBe(1);
  });
});

describe('the discrepancies’ CSV', () => {
  test('opens in a Russian Excel as the other exports do: BOM, `;`, CRLF; numbers as written, file text that could run as a formula disarmed', async () => {
    const a = await shopSim({ msisdn: '+998901110011' });
    const unknown = iccid();
    const csv = [
      'iccid;activation date;msisdn',
      `${a.iccid};30.11.2026;+998901110022`,
      `${unknown};30.11.2026;`,
      `${iccid()};=HYPERLINK("x");`,
    ].join('\r\n');
    const res = await post(csv, 'operator=beeline');
    expect(res.status).toBe(200);
    const file = await api.get(`/activation-reports/${res.body.id}/discrepancies?format=csv`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toMatch(/text\/csv; charset=utf-8/);
    expect(file.headers.get('content-disposition')).toMatch(/attachment/);
    const raw = Buffer.from(
      await (
        await fetch(`${api.url}/activation-reports/${res.body.id}/discrepancies?format=csv`, {
          headers: { authorization: `Bearer ${api.adminToken}` },
        })
      ).arrayBuffer(),
    );
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = file.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines.at(-1)).toBe('');
    const header = lines[0]!.split(';');
    expect(header.length).toBeGreaterThan(5);
    expect(header).toContain('iccid');
    const rows = lines.slice(1, -1).map((l) => l.split(';'));
    expect(rows.every((r) => r.length === header.length)).toBe(true);
    const byKind = Object.fromEntries(rows.map((r) => [r[header.indexOf('kind')], r]));
    const other = byKind.other_msisdn!;
    expect(other[header.indexOf('report_msisdn')]).toBe('+998901110022');
    expect(other[header.indexOf('our_msisdn')]).toBe('+998901110011');
    expect(byKind.unknown_iccid![header.indexOf('iccid')]).toBe(unknown);
    const formula = byKind.invalid_row![header.indexOf('report_activated_at')]!;
    expect(formula.replace(/^"|"$/g, '').startsWith("'=")).toBe(true);
  });
});
