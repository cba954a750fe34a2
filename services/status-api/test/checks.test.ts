import { makeIccid, Testbed } from './support/testbed.js';

let bed: Testbed;
let shop: any;
beforeAll(async () => {
  bed = await Testbed.start();
  shop = await bed.createShop();
});
afterAll(() => bed.close());

async function check(iccid: string, token?: string | null) {
  return bed.call('GET', `${bed.statusUrl}/simcards/${iccid}/status`, undefined, token === undefined ? bed.adminToken : token);
}
const logsFor = (iccid: string) => bed.db('status_check_logs').where({ iccid }).orderBy('id');

describe('checking one SIM against the operator', () => {
  test("inactive: the SIM keeps its lifecycle status and records the operator's word and the time", async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    const res = await check(sim.iccid);
    expect(res.status).toBe(200);
    expect(res.body.simcard).toMatchObject({ iccid: sim.iccid, status: 'assigned', provider_status: 'inactive', last_check_error: null });
    expect(res.body.check).toMatchObject({ ok: true, provider_status: 'inactive', changed: false, newly_sold: false });
    expect(Date.parse(res.body.simcard.last_checked_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(await logsFor(sim.iccid)).toHaveLength(0);
  });

  test('active: the SIM becomes sold, sold_at is set once, and the change is logged', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(sim.iccid, { status: 'active', activated_at: '2026-11-20T10:00:00.000Z' });
    const first = await check(sim.iccid);
    expect(first.body.simcard).toMatchObject({ status: 'sold', provider_status: 'active', activated_at: '2026-11-20T10:00:00.000Z' });
    expect(first.body.check).toMatchObject({ changed: true, newly_sold: true });
    const soldAt = first.body.simcard.sold_at;
    expect(soldAt).not.toBeNull();

    const second = await check(sim.iccid);
    expect(second.body.simcard.sold_at).toBe(soldAt);
    expect(second.body.check).toMatchObject({ changed: false, newly_sold: false });
    const logs = await logsFor(sim.iccid);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ previous_status: 'assigned', new_status: 'sold', source: 'manual', run_id: null, error_message: null });
    expect(Boolean(logs[0].changed)).toBe(true);
  });

  test('a SIM activated while in stock becomes sold too (a leak the dealer must see)', async () => {
    const sim = await bed.createSim();
    await bed.setSim(sim.iccid, { status: 'active' });
    expect((await check(sim.iccid)).body.simcard).toMatchObject({ status: 'sold', shop_id: null });
  });

  test('blocked: the SIM becomes blocked; unblocked later, it goes back to its shop', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(sim.iccid, { status: 'blocked' });
    expect((await check(sim.iccid)).body.simcard).toMatchObject({ status: 'blocked', provider_status: 'blocked' });
    await bed.setSim(sim.iccid, { status: 'inactive' });
    expect((await check(sim.iccid)).body.simcard).toMatchObject({ status: 'assigned', provider_status: 'inactive' });
  });

  test('not found at the operator: provider_status not_found, the lifecycle unchanged', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(sim.iccid, { status: 'not_found' });
    const res = await check(sim.iccid);
    expect(res.status).toBe(200);
    expect(res.body.simcard).toMatchObject({ status: 'assigned', provider_status: 'not_found' });
  });

  test('GET /simcards/{iccid} answers the stored status without asking the operator', async () => {
    const sim = await bed.createSim({ shop_id: shop.id });
    const before = (await bed.sim('GET', '/_sim/stats')).body;
    const res = await bed.call('GET', `${bed.statusUrl}/simcards/${sim.iccid}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ iccid: sim.iccid, status: 'assigned', provider_status: null, last_checked_at: null });
    const after = (await bed.sim('GET', '/_sim/stats')).body;
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));
  });

  test('an ICCID the dealer does not hold is a 404; a malformed one a 400 naming iccid', async () => {
    expect((await check('8999802999999999990'.slice(0, 18) + '0')).status).toBeGreaterThanOrEqual(400);
    const bad = await check('12345');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('iccid');
  });
});

describe('a SIM changed while its check was under way', () => {
  test('the answer is applied to the SIM as it is now, not as it was read', async () => {
    const other = await bed.createShop();
    const sim = await bed.createSim({ shop_id: shop.id });
    const asRead = await bed.db('simcards').where({ id: sim.id }).first();
    // Meanwhile an admin moves it to another shop.
    await new Promise((r) => setTimeout(r, 5)); // a later updated_at
    expect((await bed.call('PUT', `${bed.main.url}/simcards/${sim.id}`, { shop_id: other.id })).status).toBe(200);
    await bed.setSim(sim.iccid, { status: 'active' });
    const result = await bed.status!.checker.check(asRead, 'manual', null);
    expect(result.ok && result.newlySold).toBe(true);
    expect(await bed.db('simcards').where({ id: sim.id }).first()).toMatchObject({
      status: 'sold',
      shop_id: other.id,
      provider_status: 'active',
    });
  });
});

describe('checking many SIMs at once', () => {
  test('each ICCID gets its own result; unknown ones are reported, not fatal', async () => {
    const a = await bed.createSim({ shop_id: shop.id });
    const b = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(b.iccid, { status: 'active' });
    const unknown = makeIccid(); // well-formed, but not the dealer's
    const res = await bed.call('POST', `${bed.statusUrl}/simcards/status`, { iccids: [a.iccid, b.iccid, a.iccid, unknown] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ checked: 2, changed: 1, failed: 1 });
    const byIccid = Object.fromEntries(res.body.results.map((r: any) => [r.iccid, r]));
    expect(byIccid[a.iccid].simcard.status).toBe('assigned');
    expect(byIccid[b.iccid].simcard.status).toBe('sold');
    expect(byIccid[unknown].error.code).toBe('not_found');
    const logs = await logsFor(b.iccid);
    expect(logs[0].source).toBe('bulk');
  });

  test('the list is bounded: more than 500 ICCIDs is a 400', async () => {
    const res = await bed.call('POST', `${bed.statusUrl}/simcards/status`, {
      iccids: Array.from({ length: 501 }, () => '8999801000000000014'),
    });
    expect(res.status).toBe(400);
  });
});

describe('who may check what', () => {
  test("staff check their own shop's SIMs and get 404 for another shop's", async () => {
    const other = await bed.createShop();
    const own = await bed.createSim({ shop_id: shop.id });
    const foreign = await bed.createSim({ shop_id: other.id });
    const token = await bed.staffToken(shop.id);
    expect((await check(own.iccid, token)).status).toBe(200);
    expect((await check(foreign.iccid, token)).status).toBe(404);
    expect((await bed.call('GET', `${bed.statusUrl}/simcards/${foreign.iccid}`, undefined, token)).status).toBe(404);
    const many = await bed.call('POST', `${bed.statusUrl}/simcards/status`, { iccids: [foreign.iccid] }, token);
    expect(many.body.results[0].error.code).toBe('not_found');
    expect((await bed.call('POST', `${bed.statusUrl}/check-runs`, {}, token)).status).toBe(403);
  });

  test('no token is a 401', async () => {
    expect((await check('8999801000000000014', null)).status).toBe(401);
  });
});
