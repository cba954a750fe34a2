/**
 * `GET /simcards/{id}/history`: one timeline per SIM, newest first — imported, assigned,
 * transferred, returned (with who and between which shops), edited (which fields, from what to
 * what), status changes — and staff see their own shop's SIMs only, from their arrival there.
 */
import { TestApi } from './support/harness.js';

let api: TestApi;
let adminId: number;

beforeAll(async () => {
  api = await TestApi.start();
  adminId = (await api.get('/auth/me')).body.user.id;
});
afterAll(() => api.close());

/** Steps of a story one millisecond apart at least, so "newest first" has one right answer. */
const tick = () => new Promise((r) => setTimeout(r, 5));

async function historyOf(id: number, token?: string) {
  const res = await api.get(`/simcards/${id}/history`, token === undefined ? {} : { token });
  expect(res.status).toBe(200);
  return res.body;
}

describe('GET /simcards/{id}/history', () => {
  test('the whole story, newest first: returned, status change, edit, transfer, assignment, import', async () => {
    const [a, b] = [await api.createShop(), await api.createShop()];
    const sim = await api.createSimcard({ batch_id: 'HIST-1', tariff: 'Start' });
    await tick();
    expect((await api.post('/simcards/assign', { simcard_ids: [sim.id], shop_id: a.id })).status).toBe(200);
    await tick();
    expect((await api.put(`/simcards/${sim.id}`, { shop_id: b.id })).status).toBe(200);
    await tick();
    expect((await api.put(`/simcards/${sim.id}`, { tariff: 'Premium', notes: 'boxed' })).status).toBe(200);
    await tick();
    // The status API writes these; here one change and, not part of the story, a failed and an unchanged check.
    const checkedAt = new Date().toISOString();
    await api.db('status_check_logs').insert([
      {
        simcard_id: sim.id,
        iccid: sim.iccid,
        previous_status: 'assigned',
        new_status: 'blocked',
        changed: true,
        source: 'manual',
        checked_at: checkedAt,
      },
      {
        simcard_id: sim.id,
        iccid: sim.iccid,
        previous_status: 'blocked',
        new_status: 'blocked',
        changed: false,
        source: 'auto',
        checked_at: checkedAt,
      },
      {
        simcard_id: sim.id,
        iccid: sim.iccid,
        previous_status: null,
        new_status: null,
        changed: false,
        error_message: 'timeout',
        source: 'auto',
        checked_at: checkedAt,
      },
    ]);
    await api.db('simcards').where({ id: sim.id }).update({ status: 'assigned' });
    await tick();
    expect((await api.post('/simcards/unassign', { simcard_ids: [sim.id] })).status).toBe(200);

    const history = await historyOf(sim.id);
    expect(history.simcard_id).toBe(sim.id);
    expect(history.iccid).toBe(sim.iccid);
    const who = { user_id: adminId, username: 'admin' };
    expect(history.events).toEqual([
      { type: 'returned', at: expect.any(String), from_shop_id: b.id, to_shop_id: null, ...who },
      { type: 'status_changed', at: checkedAt, previous_status: 'assigned', new_status: 'blocked', source: 'manual' },
      {
        type: 'edited',
        at: expect.any(String),
        changes: [
          { field: 'tariff', from: 'Start', to: 'Premium' },
          { field: 'notes', from: null, to: 'boxed' },
        ],
        ...who,
      },
      { type: 'transferred', at: expect.any(String), from_shop_id: a.id, to_shop_id: b.id, ...who },
      { type: 'assigned', at: expect.any(String), from_shop_id: null, to_shop_id: a.id, ...who },
      { type: 'imported', at: sim.created_at, batch_id: 'HIST-1' },
    ]);
    const times = history.events.map((e: { at: string }) => e.at);
    expect(times).toEqual([...times].sort().reverse());
  });

  test('a SIM created straight into a shop: imported, then assigned, even within one millisecond', async () => {
    const shop = await api.createShop();
    const sim = await api.createSimcard({ shop_id: shop.id });
    const { events } = await historyOf(sim.id);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['assigned', 'imported']);
  });

  test('an edit that changes nothing, or only moves the SIM, adds no edited event', async () => {
    const shop = await api.createShop();
    const sim = await api.createSimcard({ notes: 'same' });
    expect((await api.put(`/simcards/${sim.id}`, { notes: 'same' })).status).toBe(200);
    expect((await api.put(`/simcards/${sim.id}`, { shop_id: shop.id })).status).toBe(200);
    const { events } = await historyOf(sim.id);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['assigned', 'imported']);
  });

  test("a staff member's own edit of notes shows with their name", async () => {
    const shop = await api.createShop();
    const { user, token } = await api.createStaff(shop.id);
    const sim = await api.createSimcard({ shop_id: shop.id });
    await tick();
    expect((await api.put(`/simcards/${sim.id}`, { notes: 'sold to a tourist' }, { token })).status).toBe(200);
    const { events } = await historyOf(sim.id, token);
    expect(events[0]).toEqual({
      type: 'edited',
      at: expect.any(String),
      changes: [{ field: 'notes', from: null, to: 'sold to a tourist' }],
      user_id: user.id,
      username: user.username,
    });
  });

  test("staff see a SIM's life from its arrival at their shop: nothing of the shop it was at before", async () => {
    const [a, b] = [await api.createShop(), await api.createShop()];
    const [staffA, staffB] = [await api.createStaff(a.id), await api.createStaff(b.id)];
    const sim = await api.createSimcard({ batch_id: 'HIST-MOVE' });
    expect((await api.post('/simcards/assign', { simcard_ids: [sim.id], shop_id: a.id })).status).toBe(200);
    await tick();
    const pathA = `/simcards/${sim.id}`;
    expect((await api.put(pathA, { notes: 'A: for Ivanov, +998901234567' }, { token: staffA.token })).status).toBe(200);
    await tick();
    expect((await api.put(pathA, { notes: null }, { token: staffA.token })).status).toBe(200);
    await tick();
    expect((await api.put(pathA, { shop_id: b.id })).status).toBe(200);
    await tick();
    expect((await api.put(pathA, { notes: 'B: on the shelf' }, { token: staffB.token })).status).toBe(200);

    const seenByB = await historyOf(sim.id, staffB.token);
    expect(seenByB.events.map((e: { type: string }) => e.type)).toEqual(['edited', 'transferred', 'imported']);
    expect(seenByB.events[1]).toMatchObject({ from_shop_id: a.id, to_shop_id: b.id });
    const text = JSON.stringify(seenByB);
    expect(text).not.toContain('Ivanov');
    expect(text).not.toContain(staffA.user.username);
    // The office sees the whole story.
    const seenByAdmin = await historyOf(sim.id);
    expect(seenByAdmin.events.map((e: { type: string }) => e.type)).toEqual([
      'edited',
      'transferred',
      'edited',
      'edited',
      'assigned',
      'imported',
    ]);
    expect(JSON.stringify(seenByAdmin)).toContain('Ivanov');
  });

  test("staff get 404 for another shop's SIM and for a SIM in stock, like for an id that does not exist", async () => {
    const [mine, theirs] = [await api.createShop(), await api.createShop()];
    const { token } = await api.createStaff(mine.id);
    const own = await api.createSimcard({ shop_id: mine.id });
    const foreign = await api.createSimcard({ shop_id: theirs.id });
    const stock = await api.createSimcard();
    expect((await api.get(`/simcards/${own.id}/history`, { token })).status).toBe(200);
    for (const id of [foreign.id, stock.id, 2_000_000_000]) {
      const res = await api.get(`/simcards/${id}/history`, { token });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  test('an unknown id is a 404, a malformed one a 400, no token a 401', async () => {
    expect((await api.get('/simcards/2000000000/history')).status).toBe(404);
    expect((await api.get('/simcards/abc/history')).status).toBe(400);
    expect((await api.get('/simcards/1/history', { token: null })).status).toBe(401);
  });
});
