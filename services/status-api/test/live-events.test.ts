/** The main API's live event stream: sales as they happen, each shop's to its own staff, and run progress. */
import { EventStreamReader } from './support/event-stream.js';
import { Testbed } from './support/testbed.js';

let bed: Testbed;
const readers: EventStreamReader[] = [];
beforeAll(async () => {
  bed = await Testbed.start();
});
afterEach(() => {
  for (const r of readers.splice(0)) r.close();
});
afterAll(() => bed.close());

async function listen(token: string): Promise<EventStreamReader> {
  const reader = await EventStreamReader.open(`${bed.main.url}/events`, token);
  readers.push(reader);
  return reader;
}

const sold = (iccid: string) => (e: { event: string; data: any }) => e.event === 'simcard.sold' && e.data.simcard.iccid === iccid;

describe('GET /events', () => {
  test("a sale reaches the admin and the selling shop's staff, and not another shop's staff", async () => {
    const [shopA, shopB] = [await bed.createShop(), await bed.createShop()];
    const [simA, simB] = [await bed.createSim({ shop_id: shopA.id }), await bed.createSim({ shop_id: shopB.id })];
    const admin = await listen(bed.adminToken);
    const staffA = await listen(await bed.staffToken(shopA.id));
    const staffB = await listen(await bed.staffToken(shopB.id));
    expect(admin.status).toBe(200);
    expect(admin.contentType).toMatch(/^text\/event-stream/);

    await bed.setSim(simA.iccid, { status: 'active' });
    await bed.setSim(simB.iccid, { status: 'active' });
    await bed.call('GET', `${bed.statusUrl}/simcards/${simA.iccid}/status`);
    await bed.call('GET', `${bed.statusUrl}/simcards/${simB.iccid}/status`);

    const seen = await admin.waitFor(sold(simA.iccid));
    expect(seen.data.simcard).toMatchObject({ id: simA.id, status: 'sold', shop_id: shopA.id });
    await admin.waitFor(sold(simB.iccid));
    await staffA.waitFor(sold(simA.iccid));
    await staffB.waitFor(sold(simB.iccid));
    // By now every poll that could carry another shop's sale has run.
    expect(staffA.events.some(sold(simB.iccid))).toBe(false);
    expect(staffB.events.some(sold(simA.iccid))).toBe(false);
  });

  test('a sale already made before listening is not replayed; each sale is sent once', async () => {
    const shop = await bed.createShop();
    const before = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(before.iccid, { status: 'active' });
    await bed.call('GET', `${bed.statusUrl}/simcards/${before.iccid}/status`);
    const admin = await listen(bed.adminToken);
    const after = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(after.iccid, { status: 'active' });
    await bed.call('GET', `${bed.statusUrl}/simcards/${after.iccid}/status`);
    await bed.call('GET', `${bed.statusUrl}/simcards/${after.iccid}/status`);
    await admin.waitFor(sold(after.iccid));
    await new Promise((r) => setTimeout(r, 1200));
    expect(admin.events.filter(sold(after.iccid))).toHaveLength(1);
    expect(admin.events.some(sold(before.iccid))).toBe(false);
  });

  test('admins see a run move and finish; staff get no run events', async () => {
    const shop = await bed.createShop();
    // 32 SIMs, 8 at a time, half a second each: a run of about 2 s, long enough to be seen moving.
    for (let i = 0; i < 32; i++) await bed.createSim({ shop_id: shop.id });
    const admin = await listen(bed.adminToken);
    const staff = await listen(await bed.staffToken(shop.id));
    await bed.setProvider({ latency_ms: 500 });
    const run = (await bed.call('POST', `${bed.main.url}/simcards/auto-check`, {})).body;
    await admin.waitFor((e) => e.event === 'check_run' && e.data.id === run.id && e.data.status === 'running');
    const finished = await admin.waitFor((e) => e.event === 'check_run' && e.data.id === run.id && e.data.status === 'completed', 20_000);
    expect(finished.data.done).toBe(finished.data.total);
    expect(staff.events.some((e) => e.event === 'check_run')).toBe(false);
    await bed.setProvider({});
  });

  test('without a token the stream is refused with 401', async () => {
    const res = await fetch(`${bed.main.url}/events`);
    expect(res.status).toBe(401);
  });
});
