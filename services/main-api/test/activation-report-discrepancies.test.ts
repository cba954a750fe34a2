/**
 * POST /activation-reports keeps every discrepancy of a large report (issue 15): 5,000+ of them
 * cross several of the repository's statements (a chunk each), and are stored whole, in order,
 * with their details as before, then read back paginated and exported. Every discrepancy carries
 * a stable code and its params beside the English reason (the web app says it in uz, ru, en), in
 * the answer, in the kept report and read back; one kept before codes reads back without one.
 */
import { appendCheckDigit } from '@simcard/common';
import { parseActivationDate } from '../src/import/report-file.js';
import { TestApi } from './support/harness.js';

const TZ = 'Asia/Tashkent';
let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start({ TIME_ZONE: TZ });
});
afterAll(() => api.close());

let n = 0;
/** ICCIDs from a range of this file's own. */
function iccid(): string {
  return appendCheckDigit(`8999804${String(process.pid % 10000).padStart(4, '0')}${String(++n).padStart(7, '0')}`);
}

interface Stored {
  id: number;
  line: number;
  iccid: string | null;
  kind: string;
  simcard_id: number | null;
  detail: string;
}

test('5,000 unknown ICCIDs: every discrepancy stored in order with its detail, paginated and exported', async () => {
  const inStock = [];
  for (let i = 0; i < 3; i++)
    inStock.push((await api.createSimcard({ iccid: iccid(), operator: 'beeline' })) as { id: number; iccid: string });
  const status = ((await api.db('simcards').where({ id: inStock[0]!.id }).first()) as { status: string }).status;
  const at = '2026-11-30T10:00:00Z';
  const unknown = Array.from({ length: 5000 }, () => iccid());
  // A row per line after the header (line 1): SIMs in stock first, mid-file and last, two unreadable dates between.
  const rows: Array<{ iccid: string; date: string; sim?: number }> = unknown.map((i) => ({ iccid: i, date: at }));
  rows.splice(0, 0, { iccid: inStock[0]!.iccid, date: at, sim: inStock[0]!.id });
  rows.splice(2600, 0, { iccid: inStock[1]!.iccid, date: at, sim: inStock[1]!.id });
  rows.push({ iccid: inStock[2]!.iccid, date: at, sim: inStock[2]!.id });
  rows[1500]!.date = 'not a date';
  rows[4500]!.date = 'not a date';
  const csv = ['iccid;activation date;tariff', ...rows.map((r) => `${r.iccid};${r.date};Start`)].join('\n');

  const res = await api.request('POST', '/activation-reports?operator=beeline', { rawBody: csv, headers: { 'content-type': 'text/csv' } });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ rows_total: 5003, sold: 3, discrepancy_count: 5003, discrepancies_truncated: true });
  expect(res.body.counts).toMatchObject({ unknown_iccid: 4998, activated_in_stock: 3, invalid_row: 2 });

  // The unreadable rows first, then the others in the file's order.
  const lineOf = (i: number) => i + 2;
  const unreadable = [1500, 4500];
  const expected = [
    ...unreadable.map((i) => [lineOf(i), rows[i]!.iccid, 'invalid_row', null]),
    ...rows.flatMap((r, i) =>
      unreadable.includes(i) ? [] : [[lineOf(i), r.iccid, r.sim ? 'activated_in_stock' : 'unknown_iccid', r.sim ?? null]],
    ),
  ];
  const stored = (await api
    .db('activation_report_discrepancies')
    .where({ report_id: res.body.id })
    .orderBy('id')
    .select('id', 'line', 'iccid', 'kind', 'simcard_id', 'detail')) as Stored[];
  expect(stored.map((d) => [d.line, d.iccid, d.kind, d.simcard_id])).toEqual(expected);
  expect(res.body.discrepancies).toHaveLength(1000);
  expect(res.body.discrepancies.map((d: { line: number }) => d.line)).toEqual(expected.slice(0, 1000).map((e) => e[0]));

  // The details as stored (the text itself: its keys in this order).
  const report = { activated_at: '2026-11-30T10:00:00.000Z', msisdn: null, operator: 'beeline', tariff: 'Start', amount: null };
  const dateReason = (parseActivationDate('not a date', TZ) as { reason: string }).reason;
  expect(stored[0]!.detail).toBe(
    JSON.stringify({
      reason: dateReason,
      code: 'activated_at.not_date',
      params: { value: 'not a date' },
      report: { activated_at: 'not a date' },
      ours: null,
    }),
  );
  const unknownDetail = JSON.stringify({ reason: 'this ICCID is not in our records', code: 'iccid.unknown', report, ours: null });
  for (const i of [3, 1999, 2000, 2001, 4001, 5001]) expect(stored[i]!.detail).toBe(unknownDetail);
  const stockDetail = JSON.stringify({
    reason: 'the SIM is in our stock: it was never handed to a shop',
    code: 'simcard.in_stock',
    report,
    ours: { status, operator: 'beeline', msisdn: null, shop_id: null, sold_at: null, assigned_at: null },
  });
  for (const i of [2, 2601, 5002]) expect(stored[i]!.detail).toBe(stockDetail);

  // Paginated across a chunk's end, and exported whole.
  const page = await api.get(`/activation-reports/${res.body.id}/discrepancies?limit=20&offset=1990`);
  expect(page.body.total).toBe(5003);
  expect(page.body.data).toEqual(
    stored.slice(1990, 2010).map((d) => ({
      line: d.line,
      iccid: d.iccid,
      kind: d.kind,
      simcard_id: d.simcard_id,
      params: {},
      ...(JSON.parse(d.detail) as object),
    })),
  );
  const csvExport = await api.get(`/activation-reports/${res.body.id}/discrepancies?format=csv`);
  expect(csvExport.text.trim().split('\r\n')).toHaveLength(5004);
}, 60_000);

describe('every discrepancy carries a code and params beside its English reason', () => {
  const at = '2026-11-30T10:00:00Z';
  let o = 0;
  function msisdn(): string {
    return `+99890${String(process.pid % 100).padStart(2, '0')}${String(++o).padStart(5, '0')}`;
  }
  /** A SIM at a shop since `assignedAt`, beeline unless said. */
  async function atShop(assignedAt: string, fields: Record<string, unknown> = {}) {
    const shop = await api.createShop();
    const sim = (await api.createSimcard({ iccid: iccid(), operator: 'beeline', ...fields })) as { id: number; iccid: string };
    await api.db('simcards').where({ id: sim.id }).update({ shop_id: shop.id, status: 'assigned', assigned_at: assignedAt });
    return sim;
  }

  test('each reason of each kind: its code and params in the answer, kept, and read back', async () => {
    const unknown = iccid();
    const stock = (await api.createSimcard({ iccid: iccid(), operator: 'beeline' })) as { id: number; iccid: string };
    const soldEarlier = await atShop('2026-11-01T08:00:00.000Z');
    await api
      .db('simcards')
      .where({ id: soldEarlier.id })
      .update({ status: 'sold', sold_at: '2026-11-20T07:00:00.000Z', activated_at: '2026-11-20T07:00:00.000Z' });
    const ourNumber = msisdn();
    const numbered = await atShop('2026-11-01T08:00:00.000Z', { msisdn: ourNumber });
    const otherNumber = msisdn();
    const beeline = await atShop('2026-11-01T08:00:00.000Z');
    const ucell = await atShop('2026-11-01T08:00:00.000Z', { operator: 'ucell' });
    const late = await atShop('2026-12-01T08:00:00.000Z');
    const clean = await atShop('2026-11-01T08:00:00.000Z');
    const [d1, d2, d3, d4, d5, d6] = [iccid(), iccid(), iccid(), iccid(), iccid(), iccid()];
    // Line 2 onwards; the header is line 1.
    const rows = [
      `${unknown};${at};;;`,
      `${stock.iccid};${at};;;`,
      `${soldEarlier.iccid};${at};;;`,
      `${numbered.iccid};${at};${otherNumber};;`,
      `${beeline.iccid};${at};;ucell;`,
      `${ucell.iccid};${at};;ucell;`,
      `${late.iccid};${at};;;`,
      `${clean.iccid};${at};;;`,
      `${clean.iccid};${at};;;`,
      `${d1};;;;`,
      `${d2};soon;;;`,
      `${d3};31.02.2026;;;`,
      `${d4};30.11.2099;;;`,
      `${d5};30.11.0026;;;`,
      `8999871000000000;${at};;;`,
      `${d6.slice(0, -1)}x;${at};;;12.5`,
    ];
    const csv = ['iccid;activation date;msisdn;operator;amount', ...rows].join('\r\n');
    type Listed = { line: number; kind: string; reason: string; code?: string; params?: object; problems?: object[] };
    const summary = (list: Listed[]) =>
      Object.fromEntries(list.map((d) => [d.line, [d.kind, d.code, d.params, ...(d.problems ? [d.problems] : [])]]));
    const expected = {
      2: ['unknown_iccid', 'iccid.unknown', {}],
      3: ['activated_in_stock', 'simcard.in_stock', {}],
      4: ['sold_on_other_date', 'sale.other_day', { ours: '2026-11-20', report: '2026-11-30' }],
      5: ['other_msisdn', 'msisdn.differs', { ours: ourNumber, report: otherNumber }],
      6: ['other_operator', 'operator.differs', { ours: 'beeline', report: 'ucell' }],
      7: ['other_operator', 'operator.not_the_reports', { ours: 'ucell', report: 'beeline', row: 'ucell' }],
      8: [
        'activated_before_assignment',
        'sale.before_assignment',
        { activated_at: '2026-11-30T10:00:00.000Z', assigned_at: '2026-12-01T08:00:00.000Z' },
      ],
      10: ['invalid_row', 'iccid.repeated_in_file', { first_line: 9 }],
      11: ['invalid_row', 'activated_at.missing', {}],
      12: ['invalid_row', 'activated_at.not_date', { value: 'soon' }],
      13: ['invalid_row', 'activated_at.not_calendar_date', { value: '31.02.2026' }],
      14: ['invalid_row', 'activated_at.future', { value: '30.11.2099' }],
      15: ['invalid_row', 'activated_at.before_min_year', { value: '30.11.0026', min_year: 2000 }],
      // The import's own codes, for a row its rules refuse; every field's problem listed.
      16: [
        'invalid_row',
        'iccid.length',
        { count: 16 },
        [{ field: 'iccid', reason: 'must be 19 or 20 digits, got 16', code: 'iccid.length', params: { count: 16 } }],
      ],
      17: [
        'invalid_row',
        'iccid.not_digits',
        {},
        [
          { field: 'iccid', reason: 'must contain only digits', code: 'iccid.not_digits' },
          { field: 'price', reason: 'must be a whole number of so\u2018m', code: 'price.not_whole' },
        ],
      ],
    };
    const post = (query: string) =>
      api.request('POST', `/activation-reports?${query}`, { rawBody: csv, headers: { 'content-type': 'text/csv' } });
    // A dry run first (it sells nothing), then the real run: the same codes.
    const dry = await post('operator=beeline&dry_run=true');
    expect(dry.status).toBe(200);
    expect(summary(dry.body.discrepancies)).toEqual(expected);
    const res = await post('operator=beeline');
    expect(res.status).toBe(200);
    expect(summary(res.body.discrepancies)).toEqual(expected);
    // The English reason stays, as API clients and the CSV read it.
    const reasons = Object.fromEntries((res.body.discrepancies as Listed[]).map((d) => [d.line, d.reason]));
    expect(reasons[10]).toBe('the ICCID is listed again (first at line 9)');
    expect(reasons[13]).toBe('the activation date "31.02.2026" is not a calendar date');
    expect(reasons[17]).toBe('iccid: must contain only digits; price: must be a whole number of so\u2018m');

    // Kept with the report: read back with the same codes and params.
    const kept = await api.get(`/activation-reports/${res.body.id}/discrepancies?limit=100`);
    expect(kept.status).toBe(200);
    expect(summary(kept.body.data)).toEqual(expected);
    expect(kept.body.data).toEqual(expect.arrayContaining(res.body.discrepancies));
  });

  test('a discrepancy kept before codes were given reads back without one (the web says it by its kind)', async () => {
    const res = await api.request('POST', '/activation-reports?operator=beeline', {
      rawBody: `iccid;activation date\r\n${iccid()};${at}\r\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(200);
    const old = { reason: 'this ICCID is not in our records', report: { activated_at: at }, ours: null };
    await api
      .db('activation_report_discrepancies')
      .where({ report_id: res.body.id })
      .update({ detail: JSON.stringify(old) });
    const kept = await api.get(`/activation-reports/${res.body.id}/discrepancies`);
    expect(kept.status).toBe(200);
    expect(kept.body.data).toEqual([{ line: 2, iccid: expect.any(String), kind: 'unknown_iccid', simcard_id: null, ...old }]);
  });
});
