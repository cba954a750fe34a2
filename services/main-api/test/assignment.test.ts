/**
 * Bulk assignment: `POST /simcards/assign` and `POST /simcards/unassign` choose SIMs by ids,
 * ICCIDs, an ICCID range or a count from stock; follow the lifecycle (sold and blocked SIMs stay,
 * transfers only when allowed); log every move; and are all-or-nothing.
 *
 * One server and database for the file: each test makes its own SIMs in its own ICCID band.
 */
import { appendCheckDigit } from '@simcard/common';
import { assignmentsRepository } from '@simcard/db';
import { testDialect } from '@simcard/db/testing';
import { type ApiResponse, makeIccid, TestApi } from './support/harness.js';

let api: TestApi;
let adminId: number;

beforeAll(async () => {
  api = await TestApi.start();
  adminId = (await api.get('/auth/me')).body.user.id;
});
afterAll(() => api.close());

interface Sim {
  id: number;
  iccid: string;
  shop_id: number | null;
  status: string;
}

let band = 0;
/**
 * `n` SIMs with consecutive ICCIDs in a band no other test uses, inserted directly (thousands of
 * POSTs would only slow the file down). `fields` overrides columns of every row.
 */
async function insertSims(n: number, fields: Record<string, unknown> = {}): Promise<Sim[]> {
  const start = 10_000_000 + ++band * 100_000;
  const at = new Date().toISOString();
  const rows = Array.from({ length: n }, (_, i) => ({
    iccid: makeIccid(start + i),
    status: 'in_stock',
    created_at: at,
    updated_at: at,
    ...fields,
  }));
  for (let i = 0; i < rows.length; i += 400) await api.db('simcards').insert(rows.slice(i, i + 400));
  return simsByIccid(rows.map((r) => r.iccid));
}

async function simsByIccid(iccids: string[]): Promise<Sim[]> {
  const rows: Sim[] = [];
  for (let i = 0; i < iccids.length; i += 1000) {
    rows.push(
      ...(await api
        .db('simcards')
        .whereIn('iccid', iccids.slice(i, i + 1000))
        .select('id', 'iccid', 'shop_id', 'status')),
    );
  }
  return rows.sort((a, b) => (a.iccid < b.iccid ? -1 : 1));
}

async function reload(sims: Sim[]): Promise<Sim[]> {
  return simsByIccid(sims.map((s) => s.iccid));
}

async function logsOf(sims: Sim[]) {
  return api
    .db('assignment_logs')
    .whereIn(
      'simcard_id',
      sims.map((s) => s.id),
    )
    .orderBy('id');
}

function fieldsOf(res: ApiResponse): string[] {
  return (res.body?.error?.details ?? []).map((d: { field?: string }) => d.field);
}

describe('POST /simcards/assign: choosing SIMs', () => {
  test('by simcard_ids: in-stock SIMs go to the shop, assigned, with assigned_at set and one log row each', async () => {
    const shop = await api.createShop();
    const sims = await insertSims(3);
    const before = Date.now();
    const res = await api.post('/simcards/assign', { simcard_ids: sims.map((s) => s.id), shop_id: shop.id });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ assigned: 3, skipped: [] });
    for (const sim of sims) {
      const row = await api.db('simcards').where({ id: sim.id }).first();
      expect(row).toMatchObject({ shop_id: shop.id, status: 'assigned' });
      expect(new Date(row.assigned_at).getTime()).toBeGreaterThanOrEqual(before - 1000);
    }
    const logs = await logsOf(sims);
    expect(
      logs.map((l) => ({
        simcard_id: l.simcard_id,
        iccid: l.iccid,
        from: l.from_shop_id,
        to: l.to_shop_id,
        action: l.action,
        user: l.user_id,
      })),
    ).toEqual(sims.map((s) => ({ simcard_id: s.id, iccid: s.iccid, from: null, to: shop.id, action: 'assigned', user: adminId })));
    for (const log of logs) expect(new Date(log.created_at).getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  test('by iccids (spaces and dashes ignored): found ones are assigned, unknown ones are skipped as not_found', async () => {
    const shop = await api.createShop();
    const sims = await insertSims(2);
    const unknown = makeIccid(9_999_999_999);
    const spaced = `${sims[0]!.iccid.slice(0, 6)} ${sims[0]!.iccid.slice(6, 12)}-${sims[0]!.iccid.slice(12)}`;
    const res = await api.post('/simcards/assign', { iccids: [spaced, sims[1]!.iccid, unknown], shop_id: shop.id });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ assigned: 2, skipped: [{ iccid: unknown, simcard_id: null, reason: 'not_found' }] });
    expect((await reload(sims)).map((s) => s.shop_id)).toEqual([shop.id, shop.id]);
  });

  test('by an unknown simcard id: skipped as not_found with the id', async () => {
    const shop = await api.createShop();
    const res = await api.post('/simcards/assign', { simcard_ids: [2_000_000_000], shop_id: shop.id });
    expect(res.body).toEqual({ assigned: 0, skipped: [{ iccid: null, simcard_id: 2_000_000_000, reason: 'not_found' }] });
  });

  test('by range: both ends included, the SIMs just outside untouched', async () => {
    const shop = await api.createShop();
    const sims = await insertSims(7);
    const res = await api.post('/simcards/assign', { range: { from: sims[1]!.iccid, to: sims[5]!.iccid }, shop_id: shop.id });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ assigned: 5, skipped: [] });
    expect((await reload(sims)).map((s) => s.shop_id)).toEqual([null, shop.id, shop.id, shop.id, shop.id, shop.id, null]);
    expect(await logsOf(sims)).toHaveLength(5);
  });

  test('by range across several write chunks: every SIM moved and logged once', async () => {
    const shop = await api.createShop();
    const sims = await insertSims(assignmentsRepository.CHUNK_SIZE + 150);
    const res = await api.post('/simcards/assign', { range: { from: sims[0]!.iccid, to: sims.at(-1)!.iccid }, shop_id: shop.id });
    expect(res.body).toEqual({ assigned: sims.length, skipped: [] });
    expect(new Set((await reload(sims)).map((s) => `${s.shop_id}/${s.status}`))).toEqual(new Set([`${shop.id}/assigned`]));
    const logs = await logsOf(sims);
    expect(logs).toHaveLength(sims.length);
    expect(new Set(logs.map((l) => l.simcard_id)).size).toBe(sims.length);
  });

  test('by count: the oldest SIMs in stock of the operator, and no others', async () => {
    const shop = await api.createShop();
    const operator = `op${band + 1}x`;
    const sims = await insertSims(5, { operator });
    // Oldest first: sims[3] and sims[1] are the two oldest.
    const ages = ['2001-01-05', '2001-01-02', '2001-01-04', '2001-01-01', '2001-01-03'];
    for (const [i, sim] of sims.entries())
      await api
        .db('simcards')
        .where({ id: sim.id })
        .update({ created_at: `${ages[i]}T00:00:00.000Z` });
    const res = await api.post('/simcards/assign', { count: 2, operator, shop_id: shop.id });
    expect(res.body).toEqual({ assigned: 2, skipped: [] });
    expect((await reload(sims)).map((s) => s.shop_id)).toEqual([null, shop.id, null, shop.id, null]);
  });

  test('by count: only in-stock SIMs are taken (not ones at a shop, sold or blocked)', async () => {
    const shop = await api.createShop();
    const other = await api.createShop();
    const operator = `op${band + 1}y`;
    const [atShop, sold, blocked, free] = await insertSims(4, { operator, created_at: '2000-01-01T00:00:00.000Z' });
    await api.db('simcards').where({ id: atShop!.id }).update({ shop_id: other.id, status: 'assigned' });
    await api.db('simcards').where({ id: sold!.id }).update({ status: 'sold' });
    await api.db('simcards').where({ id: blocked!.id }).update({ status: 'blocked' });
    const res = await api.post('/simcards/assign', { count: 1, operator, shop_id: shop.id });
    expect(res.body).toEqual({ assigned: 1, skipped: [] });
    expect((await reload([free!]))[0]!.shop_id).toBe(shop.id);
  });

  test('by count larger than the stock: 409 insufficient_stock naming what is available, and nothing is assigned', async () => {
    const shop = await api.createShop();
    const operator = `op${band + 1}z`;
    const sims = await insertSims(3, { operator });
    const res = await api.post('/simcards/assign', { count: 4, operator, shop_id: shop.id });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'insufficient_stock', details: [{ field: 'count', available: 3 }] });
    expect((await reload(sims)).map((s) => s.shop_id)).toEqual([null, null, null]);
    expect(await logsOf(sims)).toHaveLength(0);
  });
});

describe('POST /simcards/assign: the lifecycle', () => {
  test('a SIM at another shop is skipped (naming that shop) without allow_transfer, and stays there', async () => {
    const [from, to] = [await api.createShop(), await api.createShop()];
    const [sim] = await insertSims(1, { shop_id: from.id, status: 'assigned' });
    const res = await api.post('/simcards/assign', { simcard_ids: [sim!.id], shop_id: to.id });
    expect(res.body).toEqual({
      assigned: 0,
      skipped: [{ iccid: sim!.iccid, simcard_id: sim!.id, reason: 'at_another_shop', shop_id: from.id }],
    });
    expect((await reload([sim!]))[0]!.shop_id).toBe(from.id);
    expect(await logsOf([sim!])).toHaveLength(0);
  });

  test('with allow_transfer a SIM at another shop moves, logged as transferred from that shop', async () => {
    const [from, to] = [await api.createShop(), await api.createShop()];
    const [atShop, inStock] = await insertSims(2);
    await api.db('simcards').where({ id: atShop!.id }).update({ shop_id: from.id, status: 'assigned' });
    const res = await api.post('/simcards/assign', { simcard_ids: [atShop!.id, inStock!.id], shop_id: to.id, allow_transfer: true });
    expect(res.body).toEqual({ assigned: 2, skipped: [] });
    expect((await reload([atShop!, inStock!])).map((s) => [s.shop_id, s.status])).toEqual([
      [to.id, 'assigned'],
      [to.id, 'assigned'],
    ]);
    const logs = await logsOf([atShop!, inStock!]);
    expect(logs.map((l) => [l.simcard_id, l.from_shop_id, l.to_shop_id, l.action])).toEqual(
      expect.arrayContaining([
        [atShop!.id, from.id, to.id, 'transferred'],
        [inStock!.id, null, to.id, 'assigned'],
      ]),
    );
  });

  test('a SIM already at the target shop is skipped as already_at_shop, with no log row', async () => {
    const shop = await api.createShop();
    const [sim] = await insertSims(1, { shop_id: shop.id, status: 'assigned' });
    const res = await api.post('/simcards/assign', { simcard_ids: [sim!.id], shop_id: shop.id, allow_transfer: true });
    expect(res.body).toEqual({ assigned: 0, skipped: [{ iccid: sim!.iccid, simcard_id: sim!.id, reason: 'already_at_shop' }] });
    expect(await logsOf([sim!])).toHaveLength(0);
  });

  test('sold and blocked SIMs are never moved, even with allow_transfer; the others in the request are', async () => {
    const [from, to] = [await api.createShop(), await api.createShop()];
    const [sold, blocked, ok] = await insertSims(3, { shop_id: from.id, status: 'assigned' });
    await api.db('simcards').where({ id: sold!.id }).update({ status: 'sold' });
    await api.db('simcards').where({ id: blocked!.id }).update({ status: 'blocked' });
    const res = await api.post('/simcards/assign', { range: { from: sold!.iccid, to: ok!.iccid }, shop_id: to.id, allow_transfer: true });
    expect(res.body).toEqual({
      assigned: 1,
      skipped: [
        { iccid: sold!.iccid, simcard_id: sold!.id, reason: 'sold' },
        { iccid: blocked!.iccid, simcard_id: blocked!.id, reason: 'blocked' },
      ],
    });
    expect((await reload([sold!, blocked!, ok!])).map((s) => [s.shop_id, s.status])).toEqual([
      [from.id, 'sold'],
      [from.id, 'blocked'],
      [to.id, 'assigned'],
    ]);
    expect((await logsOf([sold!, blocked!])).length).toBe(0);
  });

  test('a sold SIM in stock is not assigned either', async () => {
    const shop = await api.createShop();
    const [sim] = await insertSims(1, { status: 'sold' });
    const res = await api.post('/simcards/assign', { iccids: [sim!.iccid], shop_id: shop.id });
    expect(res.body).toEqual({ assigned: 0, skipped: [{ iccid: sim!.iccid, simcard_id: sim!.id, reason: 'sold' }] });
    expect((await reload([sim!]))[0]).toMatchObject({ shop_id: null, status: 'sold' });
  });
});

describe('POST /simcards/assign: one request is atomic', () => {
  /** Makes the database refuse the assignment log row of one ICCID (an injected failure mid-request). */
  async function failLogFor(iccid: string): Promise<() => Promise<void>> {
    if (testDialect() === 'sqlite') {
      await api.db.raw(
        `CREATE TRIGGER fail_one_log BEFORE INSERT ON assignment_logs WHEN NEW.iccid = '${iccid}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
      );
      return async () => void (await api.db.raw('DROP TRIGGER fail_one_log'));
    }
    await api.db.raw(
      `CREATE FUNCTION fail_one_log() RETURNS trigger AS $$ BEGIN IF NEW.iccid = '${iccid}' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
    );
    await api.db.raw('CREATE TRIGGER fail_one_log BEFORE INSERT ON assignment_logs FOR EACH ROW EXECUTE FUNCTION fail_one_log()');
    return async () => {
      await api.db.raw('DROP TRIGGER fail_one_log ON assignment_logs');
      await api.db.raw('DROP FUNCTION fail_one_log()');
    };
  }

  test('a failure while writing the last chunk leaves every SIM of the request where it was, with no log rows', async () => {
    const shop = await api.createShop();
    const sims = await insertSims(assignmentsRepository.CHUNK_SIZE + 50);
    const drop = await failLogFor(sims.at(-1)!.iccid);
    try {
      const res = await api.post('/simcards/assign', { range: { from: sims[0]!.iccid, to: sims.at(-1)!.iccid }, shop_id: shop.id });
      expect(res.status).toBe(500);
    } finally {
      await drop();
    }
    expect(new Set((await reload(sims)).map((s) => `${s.shop_id}/${s.status}`))).toEqual(new Set(['null/in_stock']));
    expect(await logsOf(sims)).toHaveLength(0);
  });

  test('two concurrent requests for the same SIMs to two shops: each SIM goes to one shop, logged once', async () => {
    const [a, b] = [await api.createShop(), await api.createShop()];
    const sims = await insertSims(300);
    const ids = sims.map((s) => s.id);
    const [ra, rb] = await Promise.all([
      api.post('/simcards/assign', { simcard_ids: ids, shop_id: a.id }),
      api.post('/simcards/assign', { simcard_ids: ids, shop_id: b.id }),
    ]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect(ra.body.assigned + rb.body.assigned).toBe(300);
    // One request took them all, the other found them at the first one's shop.
    expect([ra.body.assigned, rb.body.assigned].sort()).toEqual([0, 300]);
    const shops = new Set((await reload(sims)).map((s) => s.shop_id));
    expect(shops.size).toBe(1);
    expect(await logsOf(sims)).toHaveLength(300);
  });
});

describe('POST /simcards/assign: concurrent requests that overlap', () => {
  test('one by range and one by ids, over SIMs whose ICCID order is the reverse of their id order: both succeed, every move logged', async () => {
    const [a, b] = [await api.createShop(), await api.createShop()];
    const start = 90_000_000;
    const count = assignmentsRepository.CHUNK_SIZE + 500;
    const at = new Date().toISOString();
    // Inserted from the highest ICCID down, so ids ascend as ICCIDs descend.
    const rows = Array.from({ length: count }, (_, i) => ({
      iccid: makeIccid(start + count - 1 - i),
      status: 'in_stock',
      created_at: at,
      updated_at: at,
    }));
    for (let i = 0; i < rows.length; i += 400) await api.db('simcards').insert(rows.slice(i, i + 400));
    const sims = await simsByIccid(rows.map((r) => r.iccid));
    const [byRange, byIds] = await Promise.all([
      api.post('/simcards/assign', { range: { from: sims[0]!.iccid, to: sims.at(-1)!.iccid }, shop_id: a.id, allow_transfer: true }),
      api.post('/simcards/assign', { simcard_ids: sims.map((s) => s.id).reverse(), shop_id: b.id, allow_transfer: true }),
    ]);
    expect([byRange.status, byIds.status]).toEqual([200, 200]);
    expect([byRange.body.assigned, byIds.body.assigned]).toEqual([count, count]);
    // Whichever ran second moved every SIM again, as a transfer.
    expect(new Set((await reload(sims)).map((s) => s.shop_id)).size).toBe(1);
    const actions = (await logsOf(sims)).map((l) => l.action);
    expect(actions.filter((x) => x === 'assigned')).toHaveLength(count);
    expect(actions.filter((x) => x === 'transferred')).toHaveLength(count);
  });
});

describe('POST /simcards/unassign', () => {
  test('returns SIMs to stock (shop and assigned_at cleared), logged as returned from their shop', async () => {
    const shop = await api.createShop();
    const sims = await insertSims(3);
    await api.post('/simcards/assign', { simcard_ids: sims.map((s) => s.id), shop_id: shop.id });
    const res = await api.post('/simcards/unassign', { iccids: sims.map((s) => s.iccid) });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ unassigned: 3, skipped: [] });
    for (const sim of sims)
      expect(await api.db('simcards').where({ id: sim.id }).first()).toMatchObject({
        shop_id: null,
        status: 'in_stock',
        assigned_at: null,
      });
    const returned = (await logsOf(sims)).filter((l) => l.action === 'returned');
    expect(returned.map((l) => [l.simcard_id, l.from_shop_id, l.to_shop_id, l.user_id])).toEqual(
      sims.map((s) => [s.id, shop.id, null, adminId]),
    );
  });

  test('skips SIMs already in stock, sold ones, and (with shop_id) ones at another shop', async () => {
    const [shop, other] = [await api.createShop(), await api.createShop()];
    const [inStock, sold, elsewhere, ok] = await insertSims(4, { shop_id: shop.id, status: 'assigned' });
    await api.db('simcards').where({ id: inStock!.id }).update({ shop_id: null, status: 'in_stock' });
    await api.db('simcards').where({ id: sold!.id }).update({ status: 'sold' });
    await api.db('simcards').where({ id: elsewhere!.id }).update({ shop_id: other.id });
    const res = await api.post('/simcards/unassign', { range: { from: inStock!.iccid, to: ok!.iccid }, shop_id: shop.id });
    expect(res.body).toEqual({
      unassigned: 1,
      skipped: [
        { iccid: inStock!.iccid, simcard_id: inStock!.id, reason: 'already_in_stock' },
        { iccid: sold!.iccid, simcard_id: sold!.id, reason: 'sold' },
        { iccid: elsewhere!.iccid, simcard_id: elsewhere!.id, reason: 'at_another_shop', shop_id: other.id },
      ],
    });
    expect((await reload([sold!, elsewhere!, ok!])).map((s) => [s.shop_id, s.status])).toEqual([
      [shop.id, 'sold'],
      [other.id, 'assigned'],
      [null, 'in_stock'],
    ]);
  });

  test('count is not a way to choose SIMs to return: 400', async () => {
    expect(fieldsOf(await api.post('/simcards/unassign', { count: 5 }))).toContain('count');
  });
});

describe('bulk assignment: who may, and bad input', () => {
  test('staff get 403 on assign and unassign, and nothing moves', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    const [sim] = await insertSims(1);
    expect((await api.post('/simcards/assign', { simcard_ids: [sim!.id], shop_id: shop.id }, { token })).status).toBe(403);
    await api.post('/simcards/assign', { simcard_ids: [sim!.id], shop_id: shop.id });
    expect((await api.post('/simcards/unassign', { simcard_ids: [sim!.id] }, { token })).status).toBe(403);
    expect((await reload([sim!]))[0]!.shop_id).toBe(shop.id);
    expect(await logsOf([sim!])).toHaveLength(1);
  });

  test('without a token: 401', async () => {
    expect((await api.post('/simcards/assign', { count: 1, shop_id: 1 }, { token: null })).status).toBe(401);
  });

  test.each([
    ['no selector', { shop_id: 1 }, ''],
    ['two selectors', { simcard_ids: [1], iccids: [makeIccid()], shop_id: 1 }, 'iccids'],
    ['operator without count', { simcard_ids: [1], operator: 'beeline', shop_id: 1 }, 'operator'],
    ['no shop_id', { simcard_ids: [1] }, 'shop_id'],
    ['an empty id list', { simcard_ids: [], shop_id: 1 }, 'simcard_ids'],
    ['more than 100,000 ids', { simcard_ids: Array.from({ length: 100_001 }, (_, i) => i + 1), shop_id: 1 }, 'simcard_ids'],
    ['a count over 100,000', { count: 100_001, shop_id: 1 }, 'count'],
    ['a count of 0', { count: 0, shop_id: 1 }, 'count'],
    [
      'an ICCID with a wrong check digit in the list',
      { iccids: [makeIccid(5), makeIccid(6).slice(0, -1) + String((Number(makeIccid(6).at(-1)) + 1) % 10)], shop_id: 1 },
      'iccids.1',
    ],
    [
      'a range with ends of different lengths',
      { range: { from: makeIccid(1), to: appendCheckDigit('8999802000000000000') }, shop_id: 1 },
      'range.to',
    ],
    ['a range that ends before it starts', { range: { from: makeIccid(9), to: makeIccid(2) }, shop_id: 1 }, 'range.to'],
    ['a range without to', { range: { from: makeIccid(9) }, shop_id: 1 }, 'range.to'],
    ['an unknown field', { simcard_ids: [1], shop_id: 1, force: true }, 'force'],
  ])('%s is a 400 naming the field', async (_label, body, field) => {
    const res = await api.post('/simcards/assign', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    if (field) expect(fieldsOf(res)).toContain(field);
  });

  test('an unknown or inactive target shop is a 400 naming shop_id, and nothing moves', async () => {
    const [sim] = await insertSims(1);
    const inactive = await api.createShop();
    await api.put(`/shops/${inactive.id}`, { is_active: false });
    for (const shopId of [2_000_000_000, inactive.id]) {
      const res = await api.post('/simcards/assign', { simcard_ids: [sim!.id], shop_id: shopId });
      expect(res.status).toBe(400);
      expect(fieldsOf(res)).toEqual(['shop_id']);
    }
    expect((await reload([sim!]))[0]!.shop_id).toBeNull();
  });
});

describe('bulk assignment: request size', () => {
  test('60,000 ICCIDs in one request (a body past the general 1 MiB JSON limit) are assigned, then returned, not refused with 413', async () => {
    const shop = await api.createShop();
    const sims = await insertSims(60_000);
    const iccids = sims.map((s) => s.iccid);
    expect(Buffer.byteLength(JSON.stringify({ iccids, shop_id: shop.id }))).toBeGreaterThan(api.config.http.jsonBodyLimitBytes);

    const assigned = await api.post('/simcards/assign', { iccids, shop_id: shop.id });
    expect({ status: assigned.status, body: assigned.body }).toEqual({ status: 200, body: { assigned: 60_000, skipped: [] } });
    const unassigned = await api.post('/simcards/unassign', { iccids, shop_id: shop.id });
    expect({ status: unassigned.status, body: unassigned.body }).toEqual({ status: 200, body: { unassigned: 60_000, skipped: [] } });
  }, 120_000);

  test.each(['/simcards/assign', '/simcards/unassign'])(
    'a body over 4 MiB to %s is a 413 with the JSON error body, and nothing moves',
    async (path) => {
      const [sim] = await insertSims(1);
      const shop = await api.createShop();
      // The one real SIM first, then fillers until the body is past 4 MiB.
      const iccids = [sim!.iccid, ...Array.from({ length: 200_000 }, (_, i) => makeIccid(90_000_000 + i))];
      const body = JSON.stringify({ iccids, shop_id: shop.id });
      expect(Buffer.byteLength(body)).toBeGreaterThan(4 * 1024 * 1024);

      const res = await api.request('POST', path, { rawBody: body });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys(res.body)).toEqual(['error']);
      expect(res.body.error).toEqual({ code: 'payload_too_large', message: expect.any(String) });
      expect((await reload([sim!]))[0]!.shop_id).toBeNull();
    },
  );
});
