/**
 * The audit log of bulk operations: an import (POST /simcards/bulk) and an assignment
 * (POST /simcards/assign, /simcards/unassign) each leave ONE entry, a bounded summary, written in
 * the operation's transaction: what rolls back or is refused, or is only replayed, leaves none.
 *
 * One server and database for the file; every test counts the entries its own request added.
 */
import { makeIccid, TestApi } from './support/harness.js';
import { importIccid, importMsisdn, postCsv } from './support/import-helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

/** How many audit entries there are (all of them: GET /audit's total). */
async function auditTotal(): Promise<number> {
  const res = await api.get('/audit?limit=1');
  expect(res.status).toBe(200);
  return res.body.total as number;
}

const entriesFor = async (entity: string, id: number | string) => (await api.get(`/audit?entity=${entity}&entity_id=${id}`)).body.data;

/** `fn`'s result and how many audit entries it added. */
async function counting<T>(fn: () => Promise<T>): Promise<{ result: T; added: number }> {
  const before = await auditTotal();
  const result = await fn();
  return { result, added: (await auditTotal()) - before };
}

describe('imports in the audit log', () => {
  test('an import leaves exactly one entry on the import, with its counts, mode, shop, file and batch', async () => {
    const shop = await api.createShop();
    const existing = importIccid();
    expect((await postCsv(api, `iccid\n${existing}`)).status).toBe(200);
    const [a, b] = [importIccid(), importIccid()];
    const csv = ['iccid,msisdn', `${a},${importMsisdn()}`, `${b},`, `${a},`, `${existing},`, '8912345,'].join('\n');

    const { result: res, added } = await counting(() => postCsv(api, csv, `shop_id=${shop.id}&file_name=stock.csv`));
    expect(res.status).toBe(200);
    expect(added).toBe(1);
    const entries = await entriesFor('import', res.body.import_id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'import',
      entity: 'import',
      entity_id: String(res.body.import_id),
      before: null,
      actor: { user_id: expect.any(Number), api_key_id: null, name: 'admin' },
      after: {
        batch_id: res.body.batch_id,
        file_name: 'stock.csv',
        format: 'csv',
        mode: 'partial',
        shop_id: shop.id,
        received: 5,
        inserted: 2,
        skipped_existing: 1,
        duplicates_in_file: 1,
        invalid_rows: 1,
      },
    });
    // A summary, not the rows: no ICCID of the file is copied into the log.
    expect(JSON.stringify(entries[0])).not.toContain(a);
    const sim = await api.db('simcards').where({ iccid: a }).first();
    expect(await entriesFor('simcard', sim.id)).toEqual([]);
  });

  test('a dry run leaves no entry', async () => {
    const { result: res, added } = await counting(() => postCsv(api, `iccid\n${importIccid()}\n${importIccid()}`, 'dry_run=true'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dry_run: true, inserted: 2, import_id: null });
    expect(added).toBe(0);
  });

  test('a strict import refused for invalid rows (422) leaves no entry', async () => {
    const { result: res, added } = await counting(() => postCsv(api, `iccid\n${importIccid()}\n8912345`, 'mode=strict'));
    expect(res.status).toBe(422);
    expect(res.body.import_id).toEqual(expect.any(Number)); // kept in the import history as rejected
    expect(added).toBe(0);
    expect(await entriesFor('import', res.body.import_id)).toEqual([]);
  });

  test('a request replayed by its Idempotency-Key adds no second entry', async () => {
    const csv = `iccid\n${importIccid()}`;
    const headers = { 'Idempotency-Key': `audit-${importIccid()}` };
    const { result, added } = await counting(async () => {
      const first = await postCsv(api, csv, '', { headers });
      const replay = await postCsv(api, csv, '', { headers });
      return { first, replay };
    });
    expect(result.first.status).toBe(200);
    expect(result.replay.headers.get('idempotent-replayed')).toBe('true');
    expect(result.replay.body.import_id).toBe(result.first.body.import_id);
    expect(added).toBe(1);
    expect(await entriesFor('import', result.first.body.import_id)).toHaveLength(1);
  });

  test('an import made with an admin API key names the key and the admin it acts for', async () => {
    const key = (await api.post('/api-keys', { name: 'importer', role: 'admin' })).body;
    const adminId = (await api.get('/auth/me')).body.user.id;
    const res = await postCsv(api, `iccid\n${importIccid()}`, '', { token: null, headers: { 'x-api-key': key.key } });
    expect(res.status).toBe(200);
    const [entry] = await entriesFor('import', res.body.import_id);
    expect(entry.actor).toEqual({ user_id: adminId, api_key_id: key.id, name: expect.stringContaining('importer') });
  });
});

describe('bulk assignments in the audit log', () => {
  let band = 0;
  /** `n` in-stock SIMs with consecutive ICCIDs in a band of their own, inserted directly. */
  async function insertSims(n: number, fields: Record<string, unknown> = {}): Promise<{ id: number; iccid: string }[]> {
    const start = 20_000_000 + ++band * 100_000;
    const at = new Date().toISOString();
    const rows = Array.from({ length: n }, (_, i) => ({
      iccid: makeIccid(start + i),
      status: 'in_stock',
      created_at: at,
      updated_at: at,
      ...fields,
    }));
    await api.db('simcards').insert(rows);
    return api
      .db('simcards')
      .whereIn(
        'iccid',
        rows.map((r) => r.iccid),
      )
      .orderBy('iccid')
      .select('id', 'iccid');
  }

  test('an assignment by range leaves one entry on the shop: the selector, moved and transferred counts, and at most 20 ids', async () => {
    const [shop, other] = [await api.createShop(), await api.createShop()];
    const sims = await insertSims(30);
    await api
      .db('simcards')
      .whereIn(
        'id',
        sims.slice(0, 3).map((s) => s.id),
      )
      .update({ shop_id: other.id, status: 'assigned' });
    await api.db('simcards').where({ id: sims[29]!.id }).update({ status: 'sold', shop_id: other.id });
    const range = { from: sims[0]!.iccid, to: sims[29]!.iccid };

    const { result: res, added } = await counting(() => api.post('/simcards/assign', { range, shop_id: shop.id, allow_transfer: true }));
    expect(res.status).toBe(200);
    expect(res.body.assigned).toBe(29);
    expect(added).toBe(1);
    const entries = await entriesFor('shop', shop.id);
    expect(entries.map((e: any) => e.action)).toEqual(['assign', 'create']);
    const after = entries[0].after;
    expect(after).toMatchObject({
      selector: 'range',
      range,
      shop_id: shop.id,
      allow_transfer: true,
      moved: 29,
      transferred: 3,
      skipped: 1,
      skipped_by_reason: { sold: 1 },
      sample_truncated: true,
    });
    expect(after.simcard_ids_sample).toEqual(sims.slice(0, 20).map((s) => s.id));
  });

  test('an unassignment leaves one entry on the shop the SIMs came from, with the count returned', async () => {
    const shop = await api.createShop();
    const sims = await insertSims(3, { status: 'assigned', shop_id: shop.id });
    const ids = sims.map((s) => s.id);
    const { result: res, added } = await counting(() =>
      api.post('/simcards/unassign', { simcard_ids: [...ids, 999_999_999], shop_id: shop.id }),
    );
    expect(res.status).toBe(200);
    expect(res.body.unassigned).toBe(3);
    expect(added).toBe(1);
    const [entry] = await entriesFor('shop', shop.id);
    expect(entry).toMatchObject({
      action: 'unassign',
      entity: 'shop',
      before: null,
      after: {
        selector: 'simcard_ids',
        requested: 4,
        from_shop_id: shop.id,
        moved: 3,
        transferred: 0,
        skipped: 1,
        skipped_by_reason: { not_found: 1 },
        simcard_ids_sample: ids,
        sample_truncated: false,
      },
    });
  });

  test('an assignment by count refused for insufficient stock (409) leaves no entry', async () => {
    const shop = await api.createShop();
    await insertSims(2);
    const { result: res, added } = await counting(() => api.post('/simcards/assign', { count: 100_000, shop_id: shop.id }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('insufficient_stock');
    expect(added).toBe(0);
  });

  test('an assignment that moves nothing (every SIM skipped) leaves no entry', async () => {
    const shop = await api.createShop();
    const sims = await insertSims(2, { status: 'assigned', shop_id: shop.id });
    const { result: res, added } = await counting(() =>
      api.post('/simcards/assign', { iccids: sims.map((s) => s.iccid), shop_id: shop.id }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ assigned: 0, skipped: [expect.objectContaining({ reason: 'already_at_shop' }), expect.anything()] });
    expect(added).toBe(0);
  });
});

describe('finding bulk operations in the audit log', () => {
  test('GET /audit?action= lists only that action, newest first', async () => {
    await postCsv(api, `iccid\n${importIccid()}`);
    const res = await api.get('/audit?action=import&limit=500');
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(res.body.data.every((e: { action: string }) => e.action === 'import')).toBe(true);
    const all = await api.get('/audit?limit=500');
    expect(res.body.total).toBe(all.body.data.filter((e: { action: string }) => e.action === 'import').length);
  });

  test('an action that is not a name is a 400 naming the field', async () => {
    const res = await api.get('/audit?action=DROP%20TABLE');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'action' })]);
  });
});
