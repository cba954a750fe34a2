/**
 * POST /activation-reports keeps every discrepancy of a large report (issue 15): 5,000+ of them
 * cross several of the repository's statements (a chunk each), and are stored whole, in order,
 * with their details as before, then read back paginated and exported.
 */
import { appendCheckDigit } from '@simcard/common';
import { parseActivationDate } from '../src/services/activation-reports.js';
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
  expect(stored[0]!.detail).toBe(JSON.stringify({ reason: dateReason, report: { activated_at: 'not a date' }, ours: null }));
  const unknownDetail = JSON.stringify({ reason: 'this ICCID is not in our records', report, ours: null });
  for (const i of [3, 1999, 2000, 2001, 4001, 5001]) expect(stored[i]!.detail).toBe(unknownDetail);
  const stockDetail = JSON.stringify({
    reason: 'the SIM is in our stock: it was never handed to a shop',
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
      ...(JSON.parse(d.detail) as object),
    })),
  );
  const csvExport = await api.get(`/activation-reports/${res.body.id}/discrepancies?format=csv`);
  expect(csvExport.text.trim().split('\r\n')).toHaveLength(5004);
}, 60_000);
