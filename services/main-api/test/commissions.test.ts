/**
 * Commissions and monthly statements against an independent computation: a generated 60-day
 * data set (sales-data.ts), commission rules with a change in the middle of the month, shares
 * with a per-shop override from the middle of the month; every figure of GET /statements and
 * GET /statements/{id} is recomputed here from the model (the dealer's day by a fixed +5 h
 * offset, Asia/Tashkent having no daylight saving), not from the SQL or the service.
 */
import ExcelJS from 'exceljs';
import { TestApi } from './support/harness.js';
import { credit, DAY, generateSalesData, type ModelSim, type SalesData } from './support/sales-data.js';

const TZ_OFFSET = 5 * 3600_000;
const localDay = (t: number) => new Date(t + TZ_OFFSET).toISOString().slice(0, 10);
const localMonth = (t: number) => localDay(t).slice(0, 7);

interface Rule {
  id: number;
  operator: string;
  tariff: string | null;
  amount: number;
  valid_from: string;
  valid_to: string | null;
  active: boolean;
}
interface Share {
  id: number;
  shop_id: number | null;
  kind: 'percent' | 'fixed';
  value: number;
  valid_from: string;
  active: boolean;
}

/** The model's commission of a sale: the rules' precedence written out again. */
function expectedCommission(
  sim: ModelSim & { tariff?: string | null },
  rules: Rule[],
  shares: Share[],
): { shopId: number | null; amount: number; share: number } {
  const day = localDay(sim.soldAt!);
  const shopId = credit(sim)?.shopId ?? null;
  const candidates = rules
    .filter(
      (r) =>
        r.active &&
        r.operator === sim.operator &&
        (r.tariff === null || r.tariff === (sim.tariff ?? null)) &&
        r.valid_from <= day &&
        (r.valid_to === null || day <= r.valid_to),
    )
    .sort(
      (a, b) =>
        (a.tariff === null ? 1 : 0) - (b.tariff === null ? 1 : 0) ||
        (a.valid_from < b.valid_from ? 1 : a.valid_from > b.valid_from ? -1 : 0) ||
        b.id - a.id,
    );
  const amount = candidates[0]?.amount ?? 0;
  if (shopId === null) return { shopId, amount, share: 0 };
  const applicable = shares
    .filter((s) => s.active && s.valid_from <= day && (s.shop_id === shopId || s.shop_id === null))
    .sort(
      (a, b) =>
        (a.shop_id === null ? 1 : 0) - (b.shop_id === null ? 1 : 0) ||
        (a.valid_from < b.valid_from ? 1 : a.valid_from > b.valid_from ? -1 : 0) ||
        b.id - a.id,
    );
  const s = applicable[0];
  const share = !s ? 0 : s.kind === 'percent' ? Math.round((amount * s.value) / 100) : Math.min(s.value, amount);
  return { shopId, amount, share };
}

function expectedMonth(data: SalesData, month: string, rules: Rule[], shares: Share[], tariffs: Map<number, string>) {
  const perShop = new Map<number, { activations: number; earned: number; share: number }>();
  const perOperator = new Map<string | null, { activations: number; earned: number; share: number }>();
  const unassigned = { activations: 0, earned: 0, share: 0 };
  for (const sim of data.sims) {
    if (sim.soldAt === null || localMonth(sim.soldAt) !== month) continue;
    const c = expectedCommission({ ...sim, tariff: tariffs.get(sim.id) ?? null }, rules, shares);
    const target =
      c.shopId === null
        ? unassigned
        : (perShop.get(c.shopId) ?? perShop.set(c.shopId, { activations: 0, earned: 0, share: 0 }).get(c.shopId)!);
    target.activations++;
    target.earned += c.amount;
    target.share += c.share;
    const op = perOperator.get(sim.operator) ?? perOperator.set(sim.operator, { activations: 0, earned: 0, share: 0 }).get(sim.operator)!;
    op.activations++;
    op.earned += c.amount;
    op.share += c.share;
  }
  return { perShop, perOperator, unassigned };
}

describe('commissions and monthly statements', () => {
  let api: TestApi;
  let data: SalesData;
  let month: string;
  let mid: string;
  const tariffs = new Map<number, string>();

  beforeAll(async () => {
    api = await TestApi.start();
    // A month that lies wholly inside the data set's 60 days, whatever today is.
    month = localMonth(Date.now() - 35 * DAY);
    mid = `${month}-15`;
    const post = async (path: string, body: object) => {
      const res = await api.post(path, body);
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${res.text}`);
      return res.body;
    };
    await post('/commission-rules', { operator: 'beeline', amount: 5000, valid_from: '2020-01-01' });
    // The change in the middle of the month: a new rule from the 15th.
    await post('/commission-rules', { operator: 'beeline', amount: 7000, valid_from: mid, note: 'new contract' });
    await post('/commission-rules', { operator: 'ucell', amount: 4000, valid_from: '2020-01-01' });
    await post('/commission-rules', { operator: 'ucell', tariff: 'premium', amount: 9000, valid_from: '2020-01-01' });
    // Uzmobile's contract ended on the 14th: nothing after it.
    await post('/commission-rules', { operator: 'uzmobile', amount: 3000, valid_from: '2020-01-01', valid_to: `${month}-14` });
    await post('/commission-shares', { shop_id: null, kind: 'percent', value: 40, valid_from: '2020-01-01' });
    data = await generateSalesData(api.db, { seed: 17, shops: 6, sims: 2000 });
    await post('/commission-shares', { shop_id: data.shopIds[0], kind: 'fixed', value: 1500, valid_from: mid });
  }, 120_000);

  afterAll(async () => {
    await api?.close();
  });

  const rulesNow = async (): Promise<Rule[]> => (await api.get('/commission-rules?include_inactive=true')).body.data;
  const sharesNow = async (): Promise<Share[]> => (await api.get('/commission-shares?include_inactive=true')).body.data;

  test("every shop's month, the dealer's income per operator and the unassigned sales match the model", async () => {
    // The per-shop share override was set after the sales were recorded: those sales kept the
    // dealer-wide share they were given. The model must see the shares as they were then.
    const shares = (await sharesNow()).filter((s) => s.shop_id === null);
    const expected = expectedMonth(data, month, await rulesNow(), shares, tariffs);
    const res = await api.get(`/statements?month=${month}`);
    expect(res.status).toBe(200);
    expect(res.body.shops).toHaveLength(6);
    let checkedSales = 0;
    for (const row of res.body.shops) {
      const e = expected.perShop.get(row.shop_id) ?? { activations: 0, earned: 0, share: 0 };
      expect({ shop: row.shop_id, activations: row.activations, earned: row.earned, share: row.share }).toEqual({
        shop: row.shop_id,
        ...e,
      });
      checkedSales += row.activations;
    }
    expect(checkedSales).toBeGreaterThan(60);
    expect(res.body.unassigned).toEqual(expected.unassigned);
    for (const op of res.body.by_operator) {
      const e = expected.perOperator.get(op.operator)!;
      expect(op).toEqual({ operator: op.operator, ...e, net: e.earned - e.share });
    }
    // The mid-month change shows: beeline sales before the 15th at 5,000, after it at 7,000.
    const beeline = data.sims.filter((s) => s.operator === 'beeline' && s.soldAt !== null && localMonth(s.soldAt) === month);
    const early = beeline.filter((s) => localDay(s.soldAt!) < mid).length;
    expect(res.body.by_operator.find((o: { operator: string }) => o.operator === 'beeline').earned).toBe(
      early * 5000 + (beeline.length - early) * 7000,
    );
    expect(res.body.totals.activations).toBe(
      [...expected.perShop.values()].reduce((a, s) => a + s.activations, 0) + expected.unassigned.activations,
    );
  });

  test('a rule change makes a new version and never rewrites recorded sales; an explicit recompute does, audited', async () => {
    const before = (await api.get(`/statements?month=${month}`)).body;
    const rules = await rulesNow();
    const ucell = rules.find((r) => r.operator === 'ucell' && r.tariff === null && r.active)!;
    const changed = await api.put(`/commission-rules/${ucell.id}`, { amount: 4500 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ series_id: ucell.id, version: 2, amount: 4500, active: true });
    const old = await api.get(`/commission-rules/${ucell.id}`);
    expect(old.body).toMatchObject({ active: false, replaced_by: changed.body.id });
    expect(old.body.uses).toBeGreaterThan(0);
    expect((await api.get(`/statements?month=${month}`)).body.shops).toEqual(before.shops);

    // Some ucell SIMs get the premium tariff, then the month is recomputed under today's rules
    // and shares (the shop override included).
    const ucellSold = data.sims.filter((s) => s.operator === 'ucell' && s.soldAt !== null && localMonth(s.soldAt) === month);
    const premium = ucellSold.filter((_, i) => i % 3 === 0).map((s) => s.id);
    for (const id of premium) tariffs.set(id, 'premium');
    await api.db('simcards').whereIn('id', premium).update({ tariff: 'premium' });
    const recompute = await api.post('/commission-rules/recompute', {
      from: `${month}-01`,
      to: `${month}-31`.replace(/-31$/, `-${new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5)), 0)).getUTCDate()}`),
    });
    expect(recompute.status).toBe(200);
    expect(recompute.body.before).toEqual({
      sales: before.totals.activations,
      amount: before.totals.earned,
      share: before.totals.share + before.unassigned.share,
    });

    const expected = expectedMonth(data, month, await rulesNow(), await sharesNow(), tariffs);
    const after = (await api.get(`/statements?month=${month}`)).body;
    for (const row of after.shops) {
      const e = expected.perShop.get(row.shop_id) ?? { activations: 0, earned: 0, share: 0 };
      expect({ shop: row.shop_id, activations: row.activations, earned: row.earned, share: row.share }).toEqual({
        shop: row.shop_id,
        ...e,
      });
    }
    expect(recompute.body.after).toEqual({ sales: after.totals.activations, amount: after.totals.earned, share: after.totals.share });
    expect(after.totals.earned).not.toBe(before.totals.earned);

    const audit = await api.get('/audit?entity=sale_commissions');
    expect(audit.body.data[0]).toMatchObject({ action: 'recompute' });
    const ruleAudit = await api.get(`/audit?entity=commission_rule`);
    expect(ruleAudit.body.data.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['create', 'update']));
  });

  test("a shop's statement: lines by operator and tariff, payments, balance; the XLSX in the asked language", async () => {
    const shopId = data.shopIds[0]!;
    const all = (await api.get(`/statements?month=${month}`)).body;
    const row = all.shops.find((s: { shop_id: number }) => s.shop_id === shopId);
    const res = await api.get(`/statements/${shopId}?month=${month}`);
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({ activations: row.activations, earned: row.earned, share: row.share });
    const premiumLine = res.body.lines.find((l: { tariff: string | null }) => l.tariff === 'premium');
    if (premiumLine) expect(premiumLine.unit_amount).toBe(9000);

    const paid = await api.post(`/statements/${shopId}/payments`, { month, amount: 100_000, note: 'cash' });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ amount: 100_000, paid_by: 'admin', note: 'cash' });
    const again = (await api.get(`/statements/${shopId}?month=${month}`)).body;
    expect(again).toMatchObject({ paid: 100_000, balance: row.share - 100_000 });
    const listed = (await api.get(`/statements?month=${month}`)).body.shops.find((s: { shop_id: number }) => s.shop_id === shopId);
    expect(listed).toMatchObject({ paid: 100_000, balance: row.share - 100_000 });
    expect((await api.get('/audit?entity=statement')).body.data[0]).toMatchObject({ action: 'pay', entity_id: `${shopId}/${month}` });

    // The chase's money owed: every month's share of the shop, less what was paid.
    const months = [...new Set(data.sims.filter((x) => x.soldAt !== null).map((x) => localMonth(x.soldAt!)))];
    let shares = 0;
    for (const m of months)
      shares += (await api.get(`/statements?month=${m}`)).body.shops.find((x: { shop_id: number }) => x.shop_id === shopId).share;
    const chase = (await api.get('/chase?limit=500')).body.data.find((r: { shop_id: number }) => r.shop_id === shopId);
    expect(chase.owed).toBe(shares - 100_000);

    for (const [lang, sheet] of [
      ['ru', 'Выписка'],
      ['uz', 'Hisobot'],
    ] as const) {
      const file = await fetch(`${api.url}/statements/${shopId}?month=${month}&format=xlsx&lang=${lang}`, {
        headers: { authorization: `Bearer ${api.adminToken}` },
      });
      expect(file.status).toBe(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(Buffer.from(await file.arrayBuffer()) as never);
      expect(wb.worksheets[0]!.name).toBe(sheet);
      const sales = wb.worksheets[1]!;
      expect(sales.rowCount - 1).toBe(row.activations);
      if (row.activations > 0) expect(sales.getRow(2).getCell(5).value).toBeInstanceOf(Date);
    }
  });

  test('input is checked: bad months, days and amounts are 400s naming the field; staff get 403', async () => {
    expect((await api.get('/statements?month=2026-13')).status).toBe(400);
    expect((await api.post('/commission-rules', { operator: 'beeline', amount: -1, valid_from: '2026-11-01' })).status).toBe(400);
    const bad = await api.post('/commission-rules', { operator: 'beeline', amount: 1, valid_from: '2026-11-10', valid_to: '2026-11-01' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('valid_to');
    expect((await api.post('/commission-shares', { shop_id: null, kind: 'percent', value: 120, valid_from: '2026-11-01' })).status).toBe(
      400,
    );
    expect((await api.get('/statements/999999?month=2026-11')).status).toBe(404);
    const staff = await api.createStaff(data.shopIds[1]!);
    expect((await api.get('/statements?month=2026-11', { token: staff.token })).status).toBe(403);
    expect((await api.get('/commission-rules', { token: staff.token })).status).toBe(403);
  });
});
