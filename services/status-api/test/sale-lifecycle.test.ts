/**
 * The sales record (issue 12): a sale is dated by the operator's activation, credited to the
 * shop that held the SIM then, and happens once per SIM for life, whatever path through the
 * lifecycle the SIM takes and whoever checks it (a single check, a run, both at once).
 */
import { EventStreamReader } from './support/event-stream.js';
import { Testbed } from './support/testbed.js';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

let bed: Testbed;
const readers: EventStreamReader[] = [];

beforeAll(async () => {
  // Webhook and Telegram targets nobody answers: the test counts what is enqueued for them.
  bed = await Testbed.start({
    WEBHOOK_URLS: 'http://127.0.0.1:9/hook',
    WEBHOOK_SECRET: 'webhook-secret-for-tests-0123456789',
    TELEGRAM_BOT_TOKEN: '123456:TEST-bot-token_abcdefghij',
    TELEGRAM_CHAT_ID: '-100123',
    TELEGRAM_API_URL: 'http://127.0.0.1:9',
  });
});
afterEach(() => {
  for (const r of readers.splice(0)) r.close();
});
afterAll(() => bed.close());

const check = (iccid: string) => bed.call('GET', `${bed.statusUrl}/simcards/${iccid}/status`);

async function stored(id: number): Promise<any> {
  return bed.db('simcards').where({ id }).first();
}

async function saleLogs(id: number): Promise<any[]> {
  return bed.db('status_check_logs').where({ simcard_id: id, changed: true }).orderBy('id');
}

async function soldDeliveries(id: number): Promise<Array<{ channel: string }>> {
  return bed.db('notification_deliveries').where({ simcard_id: id, event: 'simcard.sold' }).select('channel', 'payload');
}

const ms = (v: unknown) => new Date(v as string).getTime();
const truthy = (v: unknown) => v === true || v === 1;

/** Puts a SIM's arrival at its shop `daysAgo` days back (its assignment log and assigned_at). */
async function arrivedDaysAgo(id: number, daysAgo: number): Promise<void> {
  const at = iso(Date.now() - daysAgo * DAY);
  await bed.db('assignment_logs').where({ simcard_id: id }).update({ created_at: at });
  await bed.db('simcards').where({ id }).update({ assigned_at: at });
}

describe('the sale date is the activation date', () => {
  test("sold_at is the operator's activated_at; the shop holding the SIM then is credited; detection kept apart", async () => {
    const [shopA, shopB] = [await bed.createShop(), await bed.createShop()];
    const sim = await bed.createSim({ shop_id: shopA.id });
    await arrivedDaysAgo(sim.id, 10);
    // Moved to shop B yesterday; activated three days ago, while at shop A.
    expect((await bed.call('PUT', `${bed.main.url}/simcards/${sim.id}`, { shop_id: shopB.id })).status).toBe(200);
    await bed
      .db('assignment_logs')
      .where({ simcard_id: sim.id, to_shop_id: shopB.id })
      .update({ created_at: iso(Date.now() - DAY) });
    const activated = iso(Date.now() - 3 * DAY);
    await bed.setSim(sim.iccid, { status: 'active', activated_at: activated });

    const before = Date.now();
    const res = await check(sim.iccid);
    expect(res.status).toBe(200);
    expect(res.body.check.newly_sold).toBe(true);
    expect(res.body.simcard.sold_at).toBe(activated);
    expect(res.body.simcard.sale_date_note).toBeNull();
    expect(ms(res.body.simcard.sale_detected_at)).toBeGreaterThanOrEqual(before - 1000);

    const row = await stored(sim.id);
    expect(row.sold_shop_id).toBe(shopA.id);
    // Days to sale run from the arrival at shop A to the activation: 7, not 10 (to the check).
    const figures = (await bed.call('GET', `${bed.main.url}/shops/${shopA.id}/stats?days=7`)).body;
    expect(figures.sold).toBe(1);
    expect(figures.mean_days_to_sale).toBeCloseTo(7, 1);
    expect((await bed.call('GET', `${bed.main.url}/shops/${shopB.id}/stats?days=7`)).body.sold).toBe(0);
    const fromMain = (await bed.call('GET', `${bed.main.url}/simcards/${sim.id}`)).body;
    expect(fromMain.sold_at).toBe(activated);
    expect(fromMain.sale_detected_at).toBe(res.body.simcard.sale_detected_at);
  });

  test('an activation date in the future beyond clock skew is refused: the check time, with the reason', async () => {
    const sim = await bed.createSim({ shop_id: (await bed.createShop()).id });
    await bed.setSim(sim.iccid, { status: 'active', activated_at: iso(Date.now() + DAY) });
    const res = await check(sim.iccid);
    expect(res.body.simcard.sold_at).toBe(res.body.simcard.sale_detected_at);
    expect(res.body.simcard.sale_date_note).toMatch(/in the future/);

    // Within the skew (two minutes ahead) it is the operator's date.
    const close = await bed.createSim({ shop_id: (await bed.createShop()).id });
    const soon = iso(Date.now() + 2 * 60_000);
    await bed.setSim(close.iccid, { status: 'active', activated_at: soon });
    expect((await check(close.iccid)).body.simcard.sold_at).toBe(soon);
  });

  test('no activation date: the check time, with the reason; an offset date is kept as the same instant', async () => {
    const sim = await bed.createSim({ shop_id: (await bed.createShop()).id });
    await bed.setSim(sim.iccid, { status: 'active' });
    const res = await check(sim.iccid);
    expect(res.body.simcard.sold_at).toBe(res.body.simcard.sale_detected_at);
    expect(res.body.simcard.sale_date_note).toMatch(/no activation date/);

    const tashkent = await bed.createSim({ shop_id: (await bed.createShop()).id });
    await bed.setSim(tashkent.iccid, { status: 'active', activated_at: '2026-12-01T02:00:00+05:00' });
    expect((await check(tashkent.iccid)).body.simcard.sold_at).toBe('2026-11-30T21:00:00.000Z');
  });

  test('an activation before the SIM reached us is kept as given and shows as "activated before assignment"', async () => {
    const shop = await bed.createShop();
    const sim = await bed.createSim({ shop_id: shop.id });
    const activated = iso(Date.now() - 5 * DAY);
    await bed.setSim(sim.iccid, { status: 'active', activated_at: activated });
    expect((await check(sim.iccid)).body.simcard.sold_at).toBe(activated);
    const anomalies = (await bed.call('GET', `${bed.main.url}/anomalies/activated_before_assignment?limit=100`)).body;
    expect(anomalies.data.map((a: any) => a.id ?? a.simcard?.id ?? a.simcard_id)).toContain(sim.id);
  });
});

describe('one sale per SIM, for life', () => {
  test('sold → blocked → active: status changes logged, one sale announced (live, webhook, Telegram)', async () => {
    const shop = await bed.createShop();
    const sim = await bed.createSim({ shop_id: shop.id });
    const admin = await EventStreamReader.open(`${bed.main.url}/events`, bed.adminToken);
    readers.push(admin);
    const activated = iso(Date.now() - DAY);
    await bed.setSim(sim.iccid, { status: 'active', activated_at: activated });
    const first = (await check(sim.iccid)).body;
    expect(first.check.newly_sold).toBe(true);
    await bed.setSim(sim.iccid, { status: 'blocked' });
    expect((await check(sim.iccid)).body.simcard.status).toBe('blocked');
    // Reactivated later, with a new activation date from the operator.
    await bed.setSim(sim.iccid, { status: 'active', activated_at: iso(Date.now()) });
    const again = (await check(sim.iccid)).body;
    expect(again.simcard.status).toBe('sold');
    expect(again.check.newly_sold).toBe(false);
    expect(again.simcard.sold_at).toBe(activated);
    expect(again.simcard.sale_detected_at).toBe(first.simcard.sale_detected_at);

    const deliveries = await soldDeliveries(sim.id);
    expect(deliveries.map((d) => d.channel).sort()).toEqual(['telegram', 'webhook']);
    const hook = JSON.parse((deliveries.find((d) => d.channel === 'webhook') as any).payload);
    expect(hook.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(hook.data.simcard).toMatchObject({ sold_at: activated, sale_detected_at: first.simcard.sale_detected_at });
    const sold = (e: { event: string; data: any }) => e.event === 'simcard.sold' && e.data.simcard.iccid === sim.iccid;
    await admin.waitFor(sold);
    await new Promise((r) => setTimeout(r, 1500)); // more than a poll of the feed
    expect(admin.events.filter(sold)).toHaveLength(1);

    const logs = await saleLogs(sim.id);
    expect(logs.map((l) => `${l.previous_status}→${l.new_status}`)).toEqual(['assigned→sold', 'sold→blocked', 'blocked→sold']);
    expect(logs.map((l) => truthy(l.sale))).toEqual([true, false, false]);
  });

  test('blocked → active without a prior sale is the sale', async () => {
    const sim = await bed.createSim({ shop_id: (await bed.createShop()).id });
    await bed.setSim(sim.iccid, { status: 'blocked' });
    const blocked = (await check(sim.iccid)).body;
    expect(blocked.simcard).toMatchObject({ status: 'blocked', sold_at: null, sale_detected_at: null });
    await bed.setSim(sim.iccid, { status: 'active', activated_at: iso(Date.now() - 60_000) });
    const sold = (await check(sim.iccid)).body;
    expect(sold.check.newly_sold).toBe(true);
    expect((await saleLogs(sim.id)).filter((l) => truthy(l.sale))).toHaveLength(1);
    expect(await soldDeliveries(sim.id)).toHaveLength(2);
  });

  test('in stock → sold: a sale credited to nobody, announced once', async () => {
    const sim = await bed.createSim();
    await bed.setSim(sim.iccid, { status: 'active', activated_at: iso(Date.now() - 60_000) });
    expect((await check(sim.iccid)).body.check.newly_sold).toBe(true);
    expect((await check(sim.iccid)).body.check.newly_sold).toBe(false);
    expect((await stored(sim.id)).sold_shop_id).toBeNull();
    expect(await soldDeliveries(sim.id)).toHaveLength(2);
  });

  test('a sold SIM blocked and then unblocked stays sold; ever sold, it is never moved nor deleted', async () => {
    const [shop, other] = [await bed.createShop(), await bed.createShop()];
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(sim.iccid, { status: 'active', activated_at: iso(Date.now() - 60_000) });
    await check(sim.iccid);
    await bed.setSim(sim.iccid, { status: 'blocked' });
    await check(sim.iccid);
    // Blocked: the manual paths refuse to move or delete a SIM whose sale is on record.
    expect((await bed.call('PUT', `${bed.main.url}/simcards/${sim.id}`, { shop_id: other.id })).status).toBe(409);
    expect((await bed.call('DELETE', `${bed.main.url}/simcards/${sim.id}`)).status).toBe(409);
    // Unblocked: back to sold, not to the shop's shelf.
    await bed.setSim(sim.iccid, { status: 'inactive' });
    const back = (await check(sim.iccid)).body;
    expect(back.simcard.status).toBe('sold');
    expect(back.check.newly_sold).toBe(false);
    expect((await bed.call('PUT', `${bed.main.url}/simcards/${sim.id}`, { shop_id: null })).status).toBe(409);
    expect(await soldDeliveries(sim.id)).toHaveLength(2);
    expect((await stored(sim.id)).sold_shop_id).toBe(shop.id);
  });

  test('an unsold SIM blocked and then unblocked goes back to its shop, still movable', async () => {
    const shop = await bed.createShop();
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(sim.iccid, { status: 'blocked' });
    await check(sim.iccid);
    await bed.setSim(sim.iccid, { status: 'inactive' });
    expect((await check(sim.iccid)).body.simcard.status).toBe('assigned');
    expect((await bed.call('PUT', `${bed.main.url}/simcards/${sim.id}`, { shop_id: null })).status).toBe(200);
  });

  test('single checks racing a run over the same SIMs: each SIM sold once, announced once (live too)', async () => {
    const shop = await bed.createShop();
    const admin = await EventStreamReader.open(`${bed.main.url}/events`, bed.adminToken);
    readers.push(admin);
    const sims = [];
    for (let i = 0; i < 6; i++) sims.push(await bed.createSim({ shop_id: shop.id }));
    for (const s of sims) await bed.setSim(s.iccid, { status: 'active', activated_at: iso(Date.now() - 3_600_000) });
    await bed.setProvider({ latency_ms: 150 });
    try {
      const started = bed.call('POST', `${bed.statusUrl}/check-runs`, {});
      const manual = sims.flatMap((s) => [check(s.iccid), check(s.iccid)]);
      const [run, ...answers] = await Promise.all([started, ...manual]);
      expect(run.status).toBe(202);
      await bed.waitForRun(run.body.id);
      const newlySold = answers.filter((a) => a.body.check?.newly_sold).length;
      expect(newlySold).toBeLessThanOrEqual(sims.length);
    } finally {
      await bed.setProvider({});
    }
    for (const s of sims) {
      const row = await stored(s.id);
      expect(row.status).toBe('sold');
      expect((await saleLogs(s.id)).filter((l) => truthy(l.sale))).toHaveLength(1);
      expect(await soldDeliveries(s.id)).toHaveLength(2);
    }
    for (const s of sims) await admin.waitFor((e) => e.event === 'simcard.sold' && e.data.simcard.id === s.id);
    await new Promise((r) => setTimeout(r, 1500)); // more than a poll of the feed
    for (const s of sims) expect(admin.events.filter((e) => e.event === 'simcard.sold' && e.data.simcard.id === s.id)).toHaveLength(1);
  });
});
