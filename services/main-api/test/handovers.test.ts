/**
 * Handovers (`/handovers…`): a preview that names every SIM or ICCID of a box that would not
 * move and why, the move with its document, the shop's receipt with missing and unexpected
 * SIMs, returns, and staff of another shop seeing nothing. Also the ICCID suggestions
 * (`GET /simcards/suggest`) for a mistyped ICCID.
 */
import { appendCheckDigit } from '@simcard/common';
import { makeIccid, TestApi } from './support/harness.js';

let api: TestApi;

beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

interface Sim {
  id: number;
  iccid: string;
}

let band = 0;
/** `n` consecutive ICCIDs (a box) in a band of their own, inserted in stock. */
async function insertBox(n: number): Promise<Sim[]> {
  const start = 20_000_000 + ++band * 10_000;
  const at = new Date().toISOString();
  const rows = Array.from({ length: n }, (_, i) => ({ iccid: makeIccid(start + i), status: 'in_stock', created_at: at, updated_at: at }));
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

function reasons(skipped: Array<{ iccid: string; reason: string }>) {
  return Object.fromEntries(skipped.map((s) => [s.iccid, s.reason]));
}

describe('POST /handovers/preview', () => {
  test('a range with gaps names each ICCID we lack, and each at another shop, sold or blocked, with its reason; nothing is written', async () => {
    const shop = await api.createShop();
    const other = await api.createShop();
    const box = await insertBox(10);
    // Two never arrived, one went to another shop, one sold, one blocked.
    await api.db('simcards').whereIn('id', [box[2]!.id, box[7]!.id]).delete();
    await api.db('simcards').where({ id: box[3]!.id }).update({ shop_id: other.id, status: 'assigned' });
    await api.db('simcards').where({ id: box[4]!.id }).update({ status: 'sold' });
    await api.db('simcards').where({ id: box[5]!.id }).update({ status: 'blocked' });
    const logsBefore = await api.db('assignment_logs').count({ n: '*' }).first();

    const res = await api.post('/handovers/preview', { shop_id: shop.id, range: { from: box[0]!.iccid, to: box[9]!.iccid } });
    expect(res.status).toBe(200);
    expect(res.body.would_move).toBe(5);
    expect(res.body.simcards.map((s: Sim) => s.iccid)).toEqual([0, 1, 6, 8, 9].map((i) => box[i]!.iccid));
    expect(reasons(res.body.skipped)).toEqual({
      [box[2]!.iccid]: 'not_found',
      [box[3]!.iccid]: 'at_another_shop',
      [box[4]!.iccid]: 'sold',
      [box[5]!.iccid]: 'blocked',
      [box[7]!.iccid]: 'not_found',
    });
    expect(res.body.skipped.find((s: { reason: string }) => s.reason === 'at_another_shop').shop_id).toBe(other.id);

    // Nothing moved, nothing logged, no document.
    expect(await api.db('simcards').whereIn('id', [box[0]!.id, box[1]!.id]).pluck('shop_id')).toEqual([null, null]);
    expect(await api.db('assignment_logs').count({ n: '*' }).first()).toEqual(logsBefore);
    expect(Number((await api.db('handovers').count({ n: '*' }).first())!.n)).toBe(0);
  });

  test('with allow_transfer a SIM at another shop is among those that would move, with where it is now', async () => {
    const shop = await api.createShop();
    const other = await api.createShop();
    const box = await insertBox(2);
    await api.db('simcards').where({ id: box[1]!.id }).update({ shop_id: other.id, status: 'assigned' });
    const res = await api.post('/handovers/preview', { shop_id: shop.id, simcard_ids: box.map((s) => s.id), allow_transfer: true });
    expect(res.body.skipped).toEqual([]);
    expect(res.body.simcards.map((s: { simcard_id: number; from_shop_id: number | null }) => [s.simcard_id, s.from_shop_id])).toEqual([
      [box[0]!.id, null],
      [box[1]!.id, other.id],
    ]);
  });

  test('staff may not preview (403); a range of more than 100,000 ICCIDs is a 400 naming the range', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    const box = await insertBox(1);
    expect((await api.post('/handovers/preview', { shop_id: shop.id, simcard_ids: [box[0]!.id] }, { token })).status).toBe(403);
    const from = appendCheckDigit('899980100000000000');
    const to = appendCheckDigit('899980100000200000');
    const res = await api.post('/handovers/preview', { shop_id: shop.id, range: { from, to } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('range');
  });
});

describe('POST /handovers and the receipt', () => {
  test('commit: the SIMs move (logged, audited) and a numbered document awaits confirmation', async () => {
    const shop = await api.createShop();
    const box = await insertBox(5);
    await api.db('simcards').where({ id: box[1]!.id }).delete();
    const res = await api.post('/handovers', { shop_id: shop.id, range: { from: box[0]!.iccid, to: box[4]!.iccid }, note: 'Box 7' });
    expect(res.status).toBe(201);
    const year = new Date().getUTCFullYear();
    expect(res.body).toMatchObject({
      direction: 'delivery',
      status: 'awaiting_confirmation',
      shop_id: shop.id,
      shop_name: shop.name,
      dealer: 'SimCard Manager',
      note: 'Box 7',
      sim_count: 4,
      created_by: { username: 'admin' },
      confirmed_at: null,
    });
    expect(res.body.number).toBe(`HO-${year}-${String(res.body.id).padStart(6, '0')}`);
    expect(res.body.simcards.map((s: Sim) => s.iccid)).toEqual([0, 2, 3, 4].map((i) => box[i]!.iccid));
    expect(res.body.skipped).toEqual([{ iccid: box[1]!.iccid, simcard_id: null, reason: 'not_found' }]);

    const moved = await api
      .db('simcards')
      .whereIn(
        'id',
        [0, 2, 3, 4].map((i) => box[i]!.id),
      )
      .select('shop_id', 'status');
    expect(moved).toEqual(Array(4).fill({ shop_id: shop.id, status: 'assigned' }));
    expect(
      await api
        .db('assignment_logs')
        .whereIn(
          'simcard_id',
          [0, 2, 3, 4].map((i) => box[i]!.id),
        )
        .pluck('to_shop_id'),
    ).toEqual(Array(4).fill(shop.id));
    const audit = await api.get(`/audit?entity=handover&entity_id=${res.body.id}`);
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0].action).toBe('create');
    expect((await api.get(`/audit?entity=shop&entity_id=${shop.id}&action=assign`)).body.data).toHaveLength(1);

    // The same box again: nothing left to move, 409 and no second document.
    const again = await api.post('/handovers', { shop_id: shop.id, range: { from: box[0]!.iccid, to: box[4]!.iccid } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('nothing_to_hand_over');
  });

  test('receipt with one SIM missing and one unexpected: both recorded, flagged, and a second receipt is refused', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    const box = await insertBox(4);
    const stray = await insertBox(1);
    const created = await api.post('/handovers', { shop_id: shop.id, simcard_ids: box.map((s) => s.id) });
    const id = created.body.id;

    const waiting = await api.get('/handovers?unconfirmed=true');
    const listed = waiting.body.data.find((h: { id: number }) => h.id === id);
    expect(listed).toMatchObject({ status: 'awaiting_confirmation', sim_count: 4 });
    expect(listed.age_seconds).toBeGreaterThanOrEqual(0);

    const received = [box[0]!.iccid, box[1]!.iccid, box[3]!.iccid, stray[0]!.iccid];
    const res = await api.post(`/handovers/${id}/receipt`, { iccids: received }, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'confirmed_with_discrepancies',
      missing_count: 1,
      unexpected_count: 1,
      missing: [box[2]!.iccid],
    });
    expect(res.body.unexpected).toEqual([{ iccid: stray[0]!.iccid, simcard_id: stray[0]!.id }]);
    expect(res.body.simcards.map((s: { received: boolean }) => s.received)).toEqual([true, true, false, true]);
    expect(res.body.confirmed_by.username).toMatch(/^staff/);

    // Flagged to the admin; no longer waiting.
    const flagged = await api.get('/handovers?discrepancies=true');
    expect(flagged.body.data.map((h: { id: number }) => h.id)).toContain(id);
    expect((await api.get('/handovers?unconfirmed=true')).body.data.map((h: { id: number }) => h.id)).not.toContain(id);
    expect((await api.get(`/audit?entity=handover&entity_id=${id}&action=receipt`)).body.data).toHaveLength(1);

    const twice = await api.post(`/handovers/${id}/receipt`, { all: true }, { token });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('already_confirmed');
  });

  test('"all received" confirms without discrepancies; a body with both or neither is a 400', async () => {
    const shop = await api.createShop();
    const box = await insertBox(2);
    const id = (await api.post('/handovers', { shop_id: shop.id, iccids: box.map((s) => s.iccid) })).body.id;
    expect((await api.post(`/handovers/${id}/receipt`, {})).status).toBe(400);
    expect((await api.post(`/handovers/${id}/receipt`, { all: true, iccids: [] })).status).toBe(400);
    const res = await api.post(`/handovers/${id}/receipt`, { all: true });
    expect(res.body).toMatchObject({ status: 'confirmed', missing: [], unexpected: [], missing_count: 0 });
  });

  test('staff of another shop see and confirm nothing of it: 404 as for a handover that does not exist', async () => {
    const shop = await api.createShop();
    const other = await api.createShop();
    const { token: own } = await api.createStaff(shop.id);
    const { token: stranger } = await api.createStaff(other.id);
    const box = await insertBox(2);
    const id = (await api.post('/handovers', { shop_id: shop.id, simcard_ids: box.map((s) => s.id) })).body.id;

    expect((await api.get(`/handovers/${id}`, { token: stranger })).status).toBe(404);
    expect((await api.get('/handovers/999999', { token: stranger })).status).toBe(404);
    const receipt = await api.post(`/handovers/${id}/receipt`, { all: true }, { token: stranger });
    expect(receipt.status).toBe(404);
    expect((await api.get(`/handovers?shop_id=${shop.id}`, { token: stranger })).status).toBe(404);
    expect((await api.get('/handovers', { token: stranger })).body.data.map((h: { id: number }) => h.id)).not.toContain(id);
    // Still waiting for its own shop, which sees it.
    expect((await api.get(`/handovers/${id}`)).body.status).toBe('awaiting_confirmation');
    expect((await api.get(`/handovers/${id}`, { token: own })).status).toBe(200);
    expect((await api.get('/handovers', { token: own })).body.data.map((h: { id: number }) => h.id)).toContain(id);
  });

  test('a return goes the same way: back to stock with a document, confirmed by the office (staff: 403)', async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    const box = await insertBox(3);
    await api.post('/simcards/assign', { shop_id: shop.id, simcard_ids: box.map((s) => s.id) });
    const res = await api.post('/handovers', { direction: 'return', shop_id: shop.id, simcard_ids: [box[0]!.id, box[1]!.id] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ direction: 'return', sim_count: 2, status: 'awaiting_confirmation' });
    expect(await api.db('simcards').whereIn('id', [box[0]!.id, box[1]!.id]).pluck('status')).toEqual(['in_stock', 'in_stock']);
    expect((await api.post('/handovers', { direction: 'return', shop_id: shop.id, count: 1 })).status).toBe(400);

    expect((await api.get(`/handovers/${res.body.id}`, { token })).status).toBe(200);
    expect((await api.post(`/handovers/${res.body.id}/receipt`, { all: true }, { token })).status).toBe(403);
    expect((await api.post(`/handovers/${res.body.id}/receipt`, { all: true })).body.status).toBe('confirmed');
  });
});

describe('GET /simcards/suggest', () => {
  test('a wrong check digit is named, and the SIMs one slip away are suggested', async () => {
    const [sim] = await insertBox(1);
    const iccid = sim!.iccid;
    const wrongCheck = iccid.slice(0, -1) + ((Number(iccid.at(-1)) + 1) % 10);
    const res = await api.get(`/simcards/suggest?iccid=${wrongCheck}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      iccid: wrongCheck,
      valid: false,
      problem: 'check_digit',
      expected_check_digit: Number(iccid.at(-1)),
      found: null,
    });
    expect(res.body.suggestions).toContainEqual({ id: sim!.id, iccid, change: 'digit' });

    // A digit in the middle changed, and two neighbours swapped.
    const i = 12;
    const changed = iccid.slice(0, i) + ((Number(iccid[i]) + 3) % 10) + iccid.slice(i + 1);
    expect((await api.get(`/simcards/suggest?iccid=${changed}`)).body.suggestions.map((s: Sim) => s.iccid)).toContain(iccid);
    let j = 7;
    while (iccid[j] === iccid[j + 1]) j++;
    const swapped = iccid.slice(0, j) + iccid[j + 1] + iccid[j] + iccid.slice(j + 2);
    const swap = await api.get(`/simcards/suggest?iccid=${swapped}`);
    expect(swap.body.suggestions.map((s: Sim) => s.iccid)).toContain(iccid);

    // A digit left out.
    const short = iccid.slice(0, 9) + iccid.slice(10);
    expect((await api.get(`/simcards/suggest?iccid=${short}`)).body.suggestions).toContainEqual({
      id: sim!.id,
      iccid,
      change: 'missing_digit',
    });

    // The right one is found as it is; a phone number is not guessed at.
    expect((await api.get(`/simcards/suggest?iccid=${iccid}`)).body).toMatchObject({
      valid: true,
      found: { id: sim!.id, iccid },
      suggestions: [],
    });
    expect((await api.get('/simcards/suggest?iccid=901234567')).body).toMatchObject({ valid: false, problem: 'length', suggestions: [] });
  });

  test("staff are offered only their own shop's SIMs", async () => {
    const shop = await api.createShop();
    const { token } = await api.createStaff(shop.id);
    const [mine, theirs] = await insertBox(2);
    await api.db('simcards').where({ id: mine!.id }).update({ shop_id: shop.id, status: 'assigned' });
    const wrong = (iccid: string) => iccid.slice(0, -1) + ((Number(iccid.at(-1)) + 5) % 10);
    expect((await api.get(`/simcards/suggest?iccid=${wrong(mine!.iccid)}`, { token })).body.suggestions.map((s: Sim) => s.id)).toEqual([
      mine!.id,
    ]);
    expect((await api.get(`/simcards/suggest?iccid=${wrong(theirs!.iccid)}`, { token })).body.suggestions).toEqual([]);
    expect((await api.get(`/simcards/suggest?iccid=${theirs!.iccid}`, { token })).body.found).toBeNull();
  });
});
