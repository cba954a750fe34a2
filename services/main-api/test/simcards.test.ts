/**
 * SIM cards through the HTTP API: identifiers normalized and validated, duplicates refused,
 * lists filtered/searched/sorted/paged, moves between stock and shops following the
 * lifecycle (docs/domain.md#lifecycle) (and logged), sold SIMs kept.
 *
 * One server and database for the file: every test makes its own SIMs, shops and batch ids,
 * and list assertions are scoped by them.
 */
import { appendCheckDigit } from '@simcard/common';
import { type ApiResponse, makeIccid, makeMsisdn, TestApi } from './support/harness.js';

let api: TestApi;
let adminId: number;

beforeAll(async () => {
  api = await TestApi.start();
  adminId = (await api.get('/auth/me')).body.user.id;
});
afterAll(() => api.close());

let batchCounter = 0;
/** A batch id no other test uses: lists filtered by it contain exactly this test's SIMs. */
function uniqueBatch(label = 'b'): string {
  return `${label}-${process.pid}-${++batchCounter}`;
}

let longIccidCounter = 0;
/** A valid 20-digit ICCID, unique within the file. */
function makeIccid20(): string {
  return appendCheckDigit(`89998020${String(++longIccidCounter).padStart(11, '0')}`);
}

/** The same ICCID with its last (check) digit changed. */
function withWrongCheckDigit(iccid: string): string {
  return iccid.slice(0, -1) + String((Number(iccid.at(-1)) + 1) % 10);
}

function fieldsOf(res: ApiResponse): string[] {
  return (res.body?.error?.details ?? []).map((d: { field?: string }) => d.field);
}

function reasonFor(res: ApiResponse, field: string): string {
  const detail = (res.body?.error?.details ?? []).find((d: { field?: string }) => d.field === field);
  return detail?.reason ?? '';
}

function expectRejected(res: ApiResponse, status: number, field: string): void {
  expect({ status: res.status, fields: fieldsOf(res) }).toEqual({ status, fields: expect.arrayContaining([field]) });
}

async function logsFor(simcardId: number) {
  return api.db('assignment_logs').where({ simcard_id: simcardId }).orderBy('id', 'asc');
}

async function listIds(query: string): Promise<number[]> {
  const res = await api.get(`/simcards?${query}`);
  expect(res.status).toBe(200);
  return res.body.data.map((s: { id: number }) => s.id);
}

describe('POST /simcards: creating a SIM card', () => {
  test('an ICCID given with spaces and dashes is stored as digits only', async () => {
    const iccid = makeIccid();
    const spaced = `${iccid.slice(0, 4)} ${iccid.slice(4, 8)}-${iccid.slice(8, 12)} - ${iccid.slice(12)}`;
    const res = await api.post('/simcards', { iccid: spaced });
    expect(res.status).toBe(201);
    expect(res.body.iccid).toBe(iccid);
    const row = await api.db('simcards').where({ id: res.body.id }).first();
    expect(row.iccid).toBe(iccid);
  });

  test('19-digit and 20-digit ICCIDs with a correct check digit are both accepted', async () => {
    const short = makeIccid();
    const long = makeIccid20();
    expect(short).toHaveLength(19);
    expect(long).toHaveLength(20);
    for (const iccid of [short, long]) {
      const res = await api.post('/simcards', { iccid });
      expect(res.status).toBe(201);
      expect(res.body.iccid).toBe(iccid);
    }
  });

  test('an ICCID with a wrong check digit is a 400 naming iccid, and the reason says the check digit is wrong', async () => {
    const res = await api.post('/simcards', { iccid: withWrongCheckDigit(makeIccid()) });
    expectRejected(res, 400, 'iccid');
    expect(res.body.error.code).toBe('validation_failed');
    expect(reasonFor(res, 'iccid')).toMatch(/check digit/i);
  });

  test.each([
    ['not starting with 89', () => appendCheckDigit('881234567890123456'), /89/],
    ['too short (18 digits)', () => appendCheckDigit('89998010000000001'), /19 or 20/],
    ['too long (21 digits)', () => appendCheckDigit(`89998010${'0'.repeat(11)}1`), /19 or 20/],
    ['containing letters', () => '8999801ABC000000018', /digits/],
    ['empty', () => '', /./],
  ])('an ICCID %s is a 400 naming iccid', async (_label, iccid, reason) => {
    const res = await api.post('/simcards', { iccid: iccid() });
    expectRejected(res, 400, 'iccid');
    expect(reasonFor(res, 'iccid')).toMatch(reason);
  });

  test('a missing ICCID is a 400 naming iccid', async () => {
    expectRejected(await api.post('/simcards', { notes: 'no iccid' }), 400, 'iccid');
  });

  test.each(['+998 90 123 45 67', '998901234567', '901234567'])('MSISDN %s is stored as +998901234567', async (msisdn) => {
    const res = await api.post('/simcards', { iccid: makeIccid(), msisdn });
    expect(res.status).toBe(201);
    expect(res.body.msisdn).toBe('+998901234567');
    expect((await api.db('simcards').where({ id: res.body.id }).first()).msisdn).toBe('+998901234567');
    // The number is unique: free it for the next format.
    expect((await api.delete(`/simcards/${res.body.id}`)).status).toBe(204);
  });

  test.each(['12345', '+7 912 345 67 89', '99890123456', '+998 90 123 45 6x', '0901234567'])(
    'an MSISDN that is not an Uzbek number (%s) is a 400 naming msisdn',
    async (msisdn) => {
      expectRejected(await api.post('/simcards', { iccid: makeIccid(), msisdn }), 400, 'msisdn');
    },
  );

  test('without an operator, the operator is inferred from the number range (90 → beeline, 93 → ucell)', async () => {
    const beeline = await api.createSimcard({ msisdn: makeMsisdn('90') });
    const ucell = await api.createSimcard({ msisdn: makeMsisdn('93') });
    expect(beeline.operator).toBe('beeline');
    expect(ucell.operator).toBe('ucell');
  });

  test('without an operator or a number, the operator stays null', async () => {
    expect((await api.createSimcard()).operator).toBeNull();
  });

  test('a given operator is stored lower-case and wins over the number range', async () => {
    const sim = await api.createSimcard({ msisdn: makeMsisdn('90'), operator: ' UCell ' });
    expect(sim.operator).toBe('ucell');
  });

  test('a duplicate ICCID (even formatted differently) is a 409 duplicate naming iccid', async () => {
    const iccid = makeIccid();
    await api.createSimcard({ iccid });
    for (const again of [iccid, `${iccid.slice(0, 5)} ${iccid.slice(5)}`]) {
      const res = await api.post('/simcards', { iccid: again });
      expectRejected(res, 409, 'iccid');
      expect(res.body.error.code).toBe('duplicate');
    }
    expect(Number((await api.db('simcards').where({ iccid }).count({ n: '*' }).first())!.n)).toBe(1);
  });

  test('a duplicate MSISDN (even in another format) is a 409 duplicate naming msisdn', async () => {
    const msisdn = makeMsisdn('93');
    await api.createSimcard({ msisdn });
    const national = msisdn.slice(4); // 9 digits
    const iccid = makeIccid();
    const res = await api.post('/simcards', { iccid, msisdn: national });
    expectRejected(res, 409, 'msisdn');
    expect(res.body.error.code).toBe('duplicate');
    expect(await api.db('simcards').where({ iccid }).first()).toBeUndefined();
  });

  test('a negative price is a 400 naming price', async () => {
    expectRejected(await api.post('/simcards', { iccid: makeIccid(), price: -1 }), 400, 'price');
  });

  test('a price of zero or more is stored', async () => {
    expect((await api.createSimcard({ price: 0 })).price).toBe(0);
    expect((await api.createSimcard({ price: 25_000 })).price).toBe(25_000);
  });

  test('created with a shop_id, the SIM is assigned, has assigned_at, and the assignment is logged', async () => {
    const shop = await api.createShop();
    const before = Date.now();
    const sim = await api.createSimcard({ shop_id: shop.id });
    expect(sim).toMatchObject({ shop_id: shop.id, status: 'assigned' });
    expect(Date.parse(sim.assigned_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(await logsFor(sim.id)).toEqual([
      expect.objectContaining({
        simcard_id: sim.id,
        iccid: sim.iccid,
        action: 'assigned',
        from_shop_id: null,
        to_shop_id: shop.id,
        user_id: adminId,
      }),
    ]);
  });

  test('created without a shop_id, the SIM is in stock with no assigned_at and no assignment log', async () => {
    const sim = await api.createSimcard();
    expect(sim).toMatchObject({ shop_id: null, status: 'in_stock', assigned_at: null, sold_at: null, provider_status: null });
    expect(await logsFor(sim.id)).toEqual([]);
  });

  test('a shop_id that does not exist is a 400 naming shop_id, and nothing is stored', async () => {
    const iccid = makeIccid();
    const res = await api.post('/simcards', { iccid, shop_id: 999_999 });
    expectRejected(res, 400, 'shop_id');
    expect(await api.db('simcards').where({ iccid }).first()).toBeUndefined();
  });

  test('an inactive shop is a 400 naming shop_id, and nothing is stored', async () => {
    const shop = await api.createShop({ is_active: false });
    expect(shop.is_active).toBe(false);
    const iccid = makeIccid();
    const res = await api.post('/simcards', { iccid, shop_id: shop.id });
    expectRejected(res, 400, 'shop_id');
    expect(reasonFor(res, 'shop_id')).toMatch(/inactive/);
    expect(await api.db('simcards').where({ iccid }).first()).toBeUndefined();
  });

  test('an unknown field is a 400 naming it', async () => {
    expectRejected(await api.post('/simcards', { iccid: makeIccid(), status: 'sold' }), 400, 'status');
  });
});

describe('GET /simcards: filters and search', () => {
  let batch: string;
  let shopA: any;
  let shopB: any;
  let sims: Record<string, any>;

  beforeAll(async () => {
    batch = uniqueBatch('filters');
    shopA = await api.createShop();
    shopB = await api.createShop();
    sims = {
      stockBeeline: await api.createSimcard({ batch_id: batch, msisdn: '+998 90 123 1111' }),
      stockUcell: await api.createSimcard({ batch_id: batch, msisdn: '+998 93 123 1111' }),
      aBeeline: await api.createSimcard({ batch_id: batch, shop_id: shopA.id, msisdn: '+998 90 123 9999' }),
      aNoNumber: await api.createSimcard({ batch_id: batch, shop_id: shopA.id }),
      bUcell: await api.createSimcard({ batch_id: batch, shop_id: shopB.id, operator: 'ucell' }),
    };
    // A sold SIM can only come from the provider; set it directly.
    await api.db('simcards').where({ id: sims.bUcell.id }).update({ status: 'sold', provider_status: 'active' });
  });

  const ids = (...names: string[]) => names.map((n) => sims[n].id).sort((a, b) => a - b);
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b);

  test('batch_id returns exactly the SIMs of that batch', async () => {
    const res = await api.get(`/simcards?batch_id=${batch}`);
    expect(res.body.total).toBe(5);
    expect(sorted(res.body.data.map((s: { id: number }) => s.id))).toEqual(
      ids('stockBeeline', 'stockUcell', 'aBeeline', 'aNoNumber', 'bUcell'),
    );
  });

  test('status returns only SIMs in that status', async () => {
    expect(sorted(await listIds(`batch_id=${batch}&status=in_stock`))).toEqual(ids('stockBeeline', 'stockUcell'));
    expect(sorted(await listIds(`batch_id=${batch}&status=assigned`))).toEqual(ids('aBeeline', 'aNoNumber'));
    expect(sorted(await listIds(`batch_id=${batch}&status=sold`))).toEqual(ids('bUcell'));
    expect(await listIds(`batch_id=${batch}&status=blocked`)).toEqual([]);
    const alone = await api.get('/simcards?status=assigned&limit=500');
    expect(alone.body.data.length).toBeGreaterThan(0);
    expect(alone.body.data.every((s: { status: string }) => s.status === 'assigned')).toBe(true);
  });

  test('an unknown status is a 400 naming status', async () => {
    expectRejected(await api.get('/simcards?status=lost'), 400, 'status');
  });

  test('shop_id returns only that shop’s SIMs', async () => {
    expect(sorted(await listIds(`shop_id=${shopA.id}`))).toEqual(ids('aBeeline', 'aNoNumber'));
    expect(sorted(await listIds(`shop_id=${shopB.id}`))).toEqual(ids('bUcell'));
  });

  test('operator returns only that operator’s SIMs (inferred or given), case-insensitively', async () => {
    expect(sorted(await listIds(`batch_id=${batch}&operator=beeline`))).toEqual(ids('stockBeeline', 'aBeeline'));
    expect(sorted(await listIds(`batch_id=${batch}&operator=ucell`))).toEqual(ids('stockUcell', 'bUcell'));
    expect(sorted(await listIds(`batch_id=${batch}&operator=UCELL`))).toEqual(ids('stockUcell', 'bUcell'));
  });

  test('filters combine (AND)', async () => {
    expect(await listIds(`batch_id=${batch}&shop_id=${shopA.id}&operator=beeline&status=assigned`)).toEqual(ids('aBeeline'));
    expect(await listIds(`batch_id=${batch}&shop_id=${shopB.id}&status=assigned`)).toEqual([]);
  });

  test('q finds SIMs whose ICCID starts with it', async () => {
    const iccid: string = sims.aNoNumber.iccid;
    expect(await listIds(`q=${iccid}`)).toEqual(ids('aNoNumber'));
    // A prefix shared with other SIMs in the database: ours are among them, and every hit starts with it.
    const prefix = iccid.slice(0, 12);
    const res = await api.get(`/simcards?q=${prefix}&limit=500&batch_id=${batch}`);
    expect(sorted(res.body.data.map((s: { id: number }) => s.id))).toEqual(
      sorted(
        Object.values(sims)
          .filter((s) => s.iccid.startsWith(prefix))
          .map((s) => s.id),
      ),
    );
    expect(res.body.data.every((s: { iccid: string }) => s.iccid.startsWith(prefix))).toBe(true);
  });

  test('q finds nothing for an ICCID prefix no SIM has', async () => {
    const res = await api.get('/simcards?q=8900000000000000');
    expect(res.body).toMatchObject({ data: [], total: 0 });
  });

  test.each(['90123', '99890123', '+998 90 123', '+99890123', '90-123'])(
    'q = %s finds the SIMs whose number starts with +998 90 123, and no others',
    async (q) => {
      expect(sorted(await listIds(`batch_id=${batch}&q=${encodeURIComponent(q)}`))).toEqual(ids('stockBeeline', 'aBeeline'));
      const everywhere = await api.get(`/simcards?q=${encodeURIComponent(q)}&limit=500`);
      expect(everywhere.body.data.length).toBeGreaterThanOrEqual(2);
      expect(everywhere.body.data.every((s: { msisdn: string | null }) => s.msisdn?.startsWith('+99890123'))).toBe(true);
    },
  );

  test('q = a full number finds that SIM only', async () => {
    expect(await listIds(`q=${encodeURIComponent('+998 90 123 99 99')}`)).toEqual(ids('aBeeline'));
    expect(await listIds('q=901239999')).toEqual(ids('aBeeline'));
  });

  test.each(['abc', '8999abc', '90 12x'])('q with letters (%s) is a 400 naming q', async (q) => {
    expectRejected(await api.get(`/simcards?q=${encodeURIComponent(q)}`), 400, 'q');
  });

  test('an unknown query parameter is a 400 naming it', async () => {
    expectRejected(await api.get('/simcards?colour=red'), 400, 'colour');
  });
});

describe('GET /simcards: sorting', () => {
  const SORTABLE = [
    'id',
    'iccid',
    'msisdn',
    'status',
    'operator',
    'price',
    'batch_id',
    'created_at',
    'updated_at',
    'assigned_at',
    'sold_at',
    'last_checked_at',
  ];
  let batch: string;
  let created: any[];

  const compare = (a: unknown, b: unknown) => (a === b ? 0 : String(a) < String(b) ? -1 : 1);
  const compareNumbers = (a: number, b: number) => a - b;

  beforeAll(async () => {
    batch = uniqueBatch('sort');
    const shop = await api.createShop();
    // ICCIDs made first and used out of order, so that ICCID order is not creation order.
    const iccids = [makeIccid(), makeIccid(), makeIccid(), makeIccid(), makeIccid(), makeIccid()];
    const order = [3, 0, 5, 1, 4, 2];
    const prices = [500, 100, null, 300, 100, 200];
    created = [];
    for (const [i, k] of order.entries()) {
      created.push(
        await api.createSimcard({
          iccid: iccids[k],
          batch_id: batch,
          price: prices[i],
          msisdn: i % 2 === 0 ? makeMsisdn(i < 3 ? '93' : '90') : undefined,
          ...(i % 3 === 0 ? { shop_id: shop.id } : {}),
        }),
      );
    }
  });

  test.each(SORTABLE.flatMap((column) => [column, `-${column}`]))('sort=%s is accepted and orders non-null values', async (sort) => {
    const res = await api.get(`/simcards?batch_id=${batch}&sort=${sort}`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(created.length);
    const column = sort.replace(/^-/, '');
    const values = res.body.data.map((s: Record<string, unknown>) => s[column]).filter((v: unknown) => v !== null);
    const expected = [...values].sort(typeof values[0] === 'number' ? compareNumbers : compare);
    if (sort.startsWith('-')) expected.reverse();
    expect(values).toEqual(expected);
  });

  test.each([
    ['iccid', 'asc'],
    ['iccid', 'desc'],
  ])('sort by %s %s orders every SIM by ICCID', async (column, direction) => {
    const res = await api.get(`/simcards?batch_id=${batch}&sort=${direction === 'desc' ? '-' : ''}${column}`);
    const expected = created.map((s) => s.iccid).sort();
    if (direction === 'desc') expected.reverse();
    expect(res.body.data.map((s: { iccid: string }) => s.iccid)).toEqual(expected);
    // Made out of order on purpose: the test would prove nothing if it equalled id order.
    expect(expected).not.toEqual(created.map((s) => s.iccid));
  });

  test.each([
    ['created_at', 'asc'],
    ['created_at', 'desc'],
  ])('sort by %s %s orders every SIM by creation time (ties by id)', async (column, direction) => {
    const res = await api.get(`/simcards?batch_id=${batch}&sort=${direction === 'desc' ? '-' : ''}${column}`);
    const expected = [...created].sort((a, b) => compare(a.created_at, b.created_at) || a.id - b.id).map((s) => s.id);
    if (direction === 'desc') expected.reverse();
    expect(res.body.data.map((s: { id: number }) => s.id)).toEqual(expected);
  });

  test('price sorts numerically, ties broken by id in the same direction', async () => {
    const asc = (await api.get(`/simcards?batch_id=${batch}&sort=price`)).body.data.filter(
      (s: { price: number | null }) => s.price !== null,
    );
    expect(asc.map((s: { price: number }) => s.price)).toEqual([100, 100, 200, 300, 500]);
    expect(asc[0].id).toBeLessThan(asc[1].id);
    const desc = (await api.get(`/simcards?batch_id=${batch}&sort=-price`)).body.data.filter(
      (s: { price: number | null }) => s.price !== null,
    );
    expect(desc.map((s: { price: number }) => s.price)).toEqual([500, 300, 200, 100, 100]);
    expect(desc[3].id).toBeGreaterThan(desc[4].id);
  });

  test('without sort, the newest SIM comes first', async () => {
    const res = await api.get(`/simcards?batch_id=${batch}`);
    expect(res.body.data.map((s: { id: number }) => s.id)).toEqual(created.map((s) => s.id).sort((a, b) => b - a));
  });

  test.each(['password', 'notes', '--iccid', 'iccid;drop table simcards', '+iccid', 'ICCID'])(
    'sort=%s is a 400 naming sort',
    async (sort) => {
      expectRejected(await api.get(`/simcards?sort=${encodeURIComponent(sort)}`), 400, 'sort');
    },
  );
});

describe('GET /simcards: pagination', () => {
  let batch: string;
  let created: any[];

  beforeAll(async () => {
    batch = uniqueBatch('page');
    created = [];
    for (let i = 0; i < 7; i++) created.push(await api.createSimcard({ batch_id: batch }));
    // Noise outside the filter.
    await api.createSimcard({ batch_id: uniqueBatch('other') });
  });

  test('total is the filtered total, and limit/offset are echoed', async () => {
    const res = await api.get(`/simcards?batch_id=${batch}&limit=3&offset=2&sort=id`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 7, limit: 3, offset: 2 });
    expect(res.body.data.map((s: { id: number }) => s.id)).toEqual(created.slice(2, 5).map((s) => s.id));
  });

  test('pages do not overlap and together cover the filtered set', async () => {
    const seen: number[] = [];
    for (let offset = 0; offset < 7; offset += 3) {
      const res = await api.get(`/simcards?batch_id=${batch}&limit=3&offset=${offset}&sort=-id`);
      expect(res.body.total).toBe(7);
      seen.push(...res.body.data.map((s: { id: number }) => s.id));
    }
    expect(seen).toEqual(created.map((s) => s.id).reverse());
  });

  test('an offset past the end gives an empty page with the real total', async () => {
    expect((await api.get(`/simcards?batch_id=${batch}&offset=100`)).body).toMatchObject({ data: [], total: 7, offset: 100 });
  });

  test.each(['limit=0', 'limit=-1', 'limit=abc', 'offset=-1', 'limit=1.5'])('%s is a 400', async (query) => {
    const res = await api.get(`/simcards?${query}`);
    expectRejected(res, 400, query.split('=')[0]!);
  });

  describe('with more than 500 matching SIMs', () => {
    let big: string;
    beforeAll(async () => {
      big = uniqueBatch('big');
      const at = new Date().toISOString();
      const rows = Array.from({ length: 501 }, () => ({
        iccid: makeIccid(),
        batch_id: big,
        status: 'in_stock',
        created_at: at,
        updated_at: at,
      }));
      for (let i = 0; i < rows.length; i += 100) await api.db('simcards').insert(rows.slice(i, i + 100));
    });

    test('limit above 500 is capped at 500 (echoed as 500)', async () => {
      const res = await api.get(`/simcards?batch_id=${big}&limit=1000`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ total: 501, limit: 500, offset: 0 });
      expect(res.body.data).toHaveLength(500);
    });

    test('without limit and offset, the page is 50 from offset 0', async () => {
      const res = await api.get(`/simcards?batch_id=${big}`);
      expect(res.body).toMatchObject({ total: 501, limit: 50, offset: 0 });
      expect(res.body.data).toHaveLength(50);
    });
  });
});

describe('PUT /simcards/{id}: changing a SIM card', () => {
  test('notes, tariff and price are changed, and nothing else', async () => {
    const sim = await api.createSimcard({ msisdn: makeMsisdn('90'), notes: 'old', tariff: 'Old', price: 1000 });
    const res = await api.put(`/simcards/${sim.id}`, { notes: 'new notes', tariff: 'Tariff 25', price: 25_000 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ notes: 'new notes', tariff: 'Tariff 25', price: 25_000 });
    const { notes: _notes, tariff: _tariff, price: _price, updated_at: _updatedAt, ...unchanged } = res.body;
    const { notes: _n, tariff: _t, price: _p, updated_at: _u, ...before } = sim;
    expect(unchanged).toEqual(before);
    expect((await api.get(`/simcards/${sim.id}`)).body).toEqual(res.body);
    expect(await logsFor(sim.id)).toEqual([]);
  });

  test('an empty string or null clears a text field', async () => {
    const sim = await api.createSimcard({ notes: 'n', tariff: 't' });
    const res = await api.put(`/simcards/${sim.id}`, { notes: '', tariff: null });
    expect(res.body).toMatchObject({ notes: null, tariff: null });
  });

  test('a negative price is a 400 naming price', async () => {
    const sim = await api.createSimcard({ price: 10 });
    expectRejected(await api.put(`/simcards/${sim.id}`, { price: -5 }), 400, 'price');
    expect((await api.get(`/simcards/${sim.id}`)).body.price).toBe(10);
  });

  test('an msisdn given in any accepted format is stored normalized', async () => {
    const sim = await api.createSimcard();
    const res = await api.put(`/simcards/${sim.id}`, { msisdn: '+998 94 765 43 21' });
    expect(res.status).toBe(200);
    expect(res.body.msisdn).toBe('+998947654321');
  });

  test('shop_id on an in-stock SIM assigns it: status assigned, assigned_at set, logged as assigned', async () => {
    const shop = await api.createShop();
    const sim = await api.createSimcard();
    const res = await api.put(`/simcards/${sim.id}`, { shop_id: shop.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ shop_id: shop.id, status: 'assigned', assigned_at: expect.any(String) });
    expect(await logsFor(sim.id)).toEqual([
      expect.objectContaining({ action: 'assigned', from_shop_id: null, to_shop_id: shop.id, user_id: adminId, iccid: sim.iccid }),
    ]);
  });

  test('shop_id of another shop transfers an assigned SIM, logged with from/to shop and user', async () => {
    const from = await api.createShop();
    const to = await api.createShop();
    const sim = await api.createSimcard({ shop_id: from.id });
    const res = await api.put(`/simcards/${sim.id}`, { shop_id: to.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ shop_id: to.id, status: 'assigned', assigned_at: expect.any(String) });
    const logs = await logsFor(sim.id);
    expect(logs).toHaveLength(2);
    expect(logs[1]).toMatchObject({
      action: 'transferred',
      from_shop_id: from.id,
      to_shop_id: to.id,
      user_id: adminId,
      simcard_id: sim.id,
    });
  });

  test('shop_id null returns an assigned SIM to stock: in_stock, assigned_at null, logged as returned', async () => {
    const shop = await api.createShop();
    const sim = await api.createSimcard({ shop_id: shop.id });
    const res = await api.put(`/simcards/${sim.id}`, { shop_id: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ shop_id: null, status: 'in_stock', assigned_at: null });
    const logs = await logsFor(sim.id);
    expect(logs.at(-1)).toMatchObject({ action: 'returned', from_shop_id: shop.id, to_shop_id: null, user_id: adminId });
  });

  test('shop_id equal to the current shop changes nothing and logs nothing', async () => {
    const shop = await api.createShop();
    const sim = await api.createSimcard({ shop_id: shop.id });
    const res = await api.put(`/simcards/${sim.id}`, { shop_id: shop.id });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ shop_id: shop.id, status: 'assigned', assigned_at: sim.assigned_at });
    expect(await logsFor(sim.id)).toHaveLength(1);
  });

  test('moving to a shop that does not exist or is inactive is a 400 naming shop_id, and the SIM stays', async () => {
    const inactive = await api.createShop({ is_active: false });
    const sim = await api.createSimcard();
    expectRejected(await api.put(`/simcards/${sim.id}`, { shop_id: 999_999 }), 400, 'shop_id');
    expectRejected(await api.put(`/simcards/${sim.id}`, { shop_id: inactive.id }), 400, 'shop_id');
    expect((await api.get(`/simcards/${sim.id}`)).body).toMatchObject({ shop_id: null, status: 'in_stock' });
    expect(await logsFor(sim.id)).toEqual([]);
  });

  test.each([
    ['sold', true],
    ['blocked', true],
    ['blocked', false],
  ])('a %s SIM (at a shop: %s) cannot be moved: 409 not_movable, the database unchanged', async (status, atShop) => {
    const shop = await api.createShop();
    const other = await api.createShop();
    const sim = await api.createSimcard(atShop ? { shop_id: shop.id } : {});
    await api.db('simcards').where({ id: sim.id }).update({ status });
    const before = await api.db('simcards').where({ id: sim.id }).first();
    const logsBefore = await logsFor(sim.id);
    const targets = atShop ? [other.id, null] : [other.id];
    for (const shop_id of targets) {
      const res = await api.put(`/simcards/${sim.id}`, { shop_id, notes: 'should not be saved' });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('not_movable');
      expect(fieldsOf(res)).toContain('shop_id');
    }
    expect(await api.db('simcards').where({ id: sim.id }).first()).toEqual(before);
    expect(await logsFor(sim.id)).toEqual(logsBefore);
  });

  test('a sold SIM may still have its notes changed', async () => {
    const shop = await api.createShop();
    const sim = await api.createSimcard({ shop_id: shop.id });
    await api.db('simcards').where({ id: sim.id }).update({ status: 'sold' });
    const res = await api.put(`/simcards/${sim.id}`, { notes: 'paid out' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ notes: 'paid out', status: 'sold', shop_id: shop.id });
  });

  test('msisdn set to another SIM’s number is a 409 duplicate naming msisdn, and the SIM keeps its own', async () => {
    const taken = makeMsisdn('91');
    await api.createSimcard({ msisdn: taken });
    const own = makeMsisdn('91');
    const sim = await api.createSimcard({ msisdn: own });
    const res = await api.put(`/simcards/${sim.id}`, { msisdn: taken.slice(4) });
    expectRejected(res, 409, 'msisdn');
    expect(res.body.error.code).toBe('duplicate');
    expect((await api.get(`/simcards/${sim.id}`)).body.msisdn).toBe(own);
  });

  test('an empty body is a 400', async () => {
    const sim = await api.createSimcard();
    const res = await api.put(`/simcards/${sim.id}`, {});
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  test('the ICCID cannot be changed: a 400 naming iccid', async () => {
    const sim = await api.createSimcard();
    expectRejected(await api.put(`/simcards/${sim.id}`, { iccid: makeIccid() }), 400, 'iccid');
  });

  test('an unknown id is a 404', async () => {
    const res = await api.put('/simcards/999999', { notes: 'x' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('DELETE /simcards/{id}', () => {
  test('deletes a SIM: 204, then 404', async () => {
    const sim = await api.createSimcard();
    const res = await api.delete(`/simcards/${sim.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await api.get(`/simcards/${sim.id}`)).status).toBe(404);
    expect((await api.delete(`/simcards/${sim.id}`)).status).toBe(404);
  });

  test('an assigned SIM can be deleted; its assignment history is kept', async () => {
    const shop = await api.createShop();
    const sim = await api.createSimcard({ shop_id: shop.id });
    expect((await api.delete(`/simcards/${sim.id}`)).status).toBe(204);
    expect(await api.db('assignment_logs').where({ iccid: sim.iccid })).toEqual([
      expect.objectContaining({ simcard_id: null, action: 'assigned', to_shop_id: shop.id }),
    ]);
  });

  test('a sold SIM cannot be deleted: 409, and it is still there', async () => {
    const shop = await api.createShop();
    const sim = await api.createSimcard({ shop_id: shop.id });
    await api.db('simcards').where({ id: sim.id }).update({ status: 'sold' });
    const res = await api.delete(`/simcards/${sim.id}`);
    expect(res.status).toBe(409);
    expect((await api.get(`/simcards/${sim.id}`)).body).toMatchObject({ id: sim.id, status: 'sold' });
  });

  test('an unknown id is a 404', async () => {
    const res = await api.delete('/simcards/999999');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  test('a non-numeric id is a 400', async () => {
    expect((await api.delete('/simcards/abc')).status).toBe(400);
  });
});
