/**
 * Staff never see another shop's data, on any channel, after any change of their rights. The
 * gaps the other suites leave (authorization, events-scope, handovers, users, api-keys, export):
 * - an already open `GET /events` stream after a password reset, a deletion, a promotion, an
 *   admin's demotion to staff, an API key revoked or its admin demoted, and the shop deactivated;
 * - every staff channel (SIM, history, check log, handover, export, statistics, suggestions)
 *   for staff moved to another shop and for an admin demoted to staff, with a fresh token;
 * - a handover receipt naming another shop's ICCIDs (it must not tell staff that we hold them);
 * - the export for people (the default, CSV and XLSX), where the other suites check the raw dump;
 * - the status API, which staff reach with the same token, after a move or a demotion.
 * Sales are written straight into the log the feed reads, as the status API writes them.
 */
import { loadConfig, now, silentLogger } from '@simcard/common';
import { startStatusApi } from '@simcard/status-api';
import ExcelJS from 'exceljs';
import { logSale, OpenStreams } from './support/event-stream.js';
import { type ApiResponse, JWT_SECRET, makeIccid, STAFF_PASSWORD, TestApi } from './support/harness.js';
import { freePort } from './support/status-api.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let api: TestApi;
const streams = new OpenStreams(() => api);
beforeAll(async () => {
  api = await TestApi.start();
});
afterEach(() => streams.closeAll());
afterAll(() => api.close());

const open = (headers: Record<string, string>) => streams.open(headers);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const sell = (shopId: number, sim?: { id: number; iccid: string }) => logSale(api, shopId, sim);

/** A second admin (not the harness's own), signed in. */
async function createAdmin(): Promise<{ user: any; token: string }> {
  const username = `admin${Math.random().toString(36).slice(2, 10)}`;
  const res = await api.post('/users', { username, password: STAFF_PASSWORD, role: 'admin' });
  if (res.status !== 201) throw new Error(`create admin failed: ${res.status} ${res.text}`);
  return { user: res.body, token: await api.login(username, STAFF_PASSWORD) };
}

describe('rule: staff never see another shop’s data on a GET /events stream that is already open when their rights change', () => {
  test("an admin demoted to staff of shop B: the open stream (which saw every shop) ends within 5 s, and shop C's next sale never reaches it", async () => {
    const [shopB, shopC] = [await api.createShop(), await api.createShop()];
    const { user, token } = await createAdmin();
    const stream = await open(bearer(token));
    // As an admin, every shop's sale arrives.
    const before = await sell(shopC.id);
    await stream.receives(before);

    expect((await api.put(`/users/${user.id}`, { role: 'staff', shop_id: shopB.id })).status).toBe(200);
    const after = await sell(shopC.id);
    await stream.endsWithin(5000);
    expect(stream.sold()).not.toContain(after);
    expect(stream.events.map((e) => e.event)).toContain('stream_ended');
  });

  test.each([
    ['their password is reset', (id: number) => api.put(`/users/${id}`, { password: 'a-brand-new-password' }), 200],
    ['they are deleted', (id: number) => api.delete(`/users/${id}`), 204],
    ['they are promoted to admin', (id: number) => api.put(`/users/${id}`, { role: 'admin' }), 200],
  ])('staff whose %s: the open stream ends within 5 s and no sale made after reaches it', async (_what, change, status) => {
    const [shop, other] = [await api.createShop(), await api.createShop()];
    const { user, token } = await api.createStaff(shop.id);
    const stream = await open(bearer(token));
    const before = await sell(shop.id);
    await stream.receives(before);

    expect((await change(user.id)).status).toBe(status);
    const after = [await sell(shop.id), await sell(other.id)];
    await stream.endsWithin(5000);
    for (const iccid of after) expect(stream.sold()).not.toContain(iccid);
    expect(stream.events).toContainEqual({ event: 'stream_ended', data: { reason: expect.any(String) } });
  });

  test.each<[string, (ids: { keyId: number; userId: number; shopId: number }) => Promise<ApiResponse>]>([
    ['the key is revoked', ({ keyId }) => api.delete(`/api-keys/${keyId}`)],
    ['its admin is demoted to staff', ({ userId, shopId }) => api.put(`/users/${userId}`, { role: 'staff', shop_id: shopId })],
  ])('a stream opened with an API key (every shop) ends within 5 s when %s, and no sale made after reaches it', async (_what, change) => {
    const [shopB, shopC] = [await api.createShop(), await api.createShop()];
    const { user, token } = await createAdmin();
    const created = await api.post('/api-keys', { name: 'chat bot', role: 'read' }, { token });
    expect(created.status).toBe(201);
    const stream = await open({ 'x-api-key': created.body.key });
    const before = await sell(shopC.id);
    await stream.receives(before);

    expect((await change({ keyId: created.body.id, userId: user.id, shopId: shopB.id })).status).toBe(200);
    const after = [await sell(shopB.id), await sell(shopC.id)];
    await stream.endsWithin(5000);
    for (const iccid of after) expect(stream.sold()).not.toContain(iccid);
    expect(stream.events).toContainEqual({ event: 'stream_ended', data: { reason: 'signed_out' } });
  });

  test("a staff stream carries its own shop's sales only, and still none of another shop's once its own shop is deactivated", async () => {
    const [shopA, shopB] = [await api.createShop(), await api.createShop()];
    const { token } = await api.createStaff(shopA.id);
    const stream = await open(bearer(token));
    const theirs = await sell(shopB.id);
    const mine = await sell(shopA.id);
    await stream.receives(mine);

    // A SIM can no longer be placed at an inactive shop: the one sold after is there already.
    const laterSale = await api.createSimcard({ shop_id: shopA.id });
    expect((await api.put(`/shops/${shopA.id}`, { is_active: false })).status).toBe(200);
    const theirsAfter = await sell(shopB.id);
    const mineAfter = await sell(shopA.id, laterSale);
    // Whatever the stream does now (it may go on, for the shop's own sales), shop B's never arrive.
    for (let i = 0; i < 120 && !stream.ended && !stream.sold().includes(mineAfter); i++) await sleep(25);
    expect(stream.sold()).not.toContain(theirs);
    expect(stream.sold()).not.toContain(theirsAfter);
    expect(stream.sold().every((iccid) => iccid === mine || iccid === mineAfter)).toBe(true);
  });
});

describe('rule: after a move or a demotion, a fresh token sees the new shop on every channel, and the old one as if it did not exist', () => {
  test.each([
    ['staff moved from shop A to shop B', 'staff'],
    ['an admin demoted to staff of shop B', 'admin'],
  ])('%s', async (_what, role) => {
    const [shopA, shopB] = [await api.createShop(), await api.createShop()];
    const account = role === 'staff' ? await api.createStaff(shopA.id) : await createAdmin();
    const simA = await api.createSimcard({ shop_id: shopA.id });
    const simB = await api.createSimcard({ shop_id: shopB.id });
    const stock = await api.createSimcard();
    const handoverA = await api.post('/handovers', { shop_id: shopA.id, simcard_ids: [stock.id] });
    expect(handoverA.status).toBe(201);
    await api.db('status_check_logs').insert({
      simcard_id: simA.id,
      iccid: simA.iccid,
      previous_status: 'assigned',
      new_status: 'assigned',
      changed: false,
      source: 'manual',
      checked_at: now(),
    });

    expect((await api.put(`/users/${account.user.id}`, { role: 'staff', shop_id: shopB.id })).status).toBe(200);
    expect((await api.get('/auth/me', { token: account.token })).status).toBe(401);
    const token = await api.login(account.user.username, STAFF_PASSWORD);

    // Shop A and its objects: 404, as for ids that do not exist.
    for (const path of [
      `/shops/${shopA.id}`,
      `/shops/${shopA.id}/stats`,
      `/simcards/${simA.id}`,
      `/simcards/${simA.id}/history`,
      `/simcards/${stock.id}`,
      `/handovers/${handoverA.body.id}`,
      `/simcards?shop_id=${shopA.id}`,
      `/handovers?shop_id=${shopA.id}`,
      `/logs/status-changes?shop_id=${shopA.id}`,
      `/simcards/export?shop_id=${shopA.id}`,
    ]) {
      const res = await api.get(path, { token });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    // Lists, searches, suggestions, statistics and the export: shop B's only.
    const sims = await api.get('/simcards?limit=500', { token });
    expect(sims.body.data.map((s: { id: number }) => s.id)).toEqual([simB.id]);
    expect((await api.get(`/simcards?q=${simA.iccid}`, { token })).body.total).toBe(0);
    expect((await api.get(`/simcards/suggest?iccid=${simA.iccid}`, { token })).body.found).toBeNull();
    expect((await api.get('/handovers?limit=500', { token })).body.data).toEqual([]);
    expect((await api.get(`/logs/status-changes?simcard_id=${simA.id}`, { token })).body.data).toEqual([]);
    const stats = await api.get('/statistics', { token });
    expect(stats.body.scope).toEqual({ shop_id: shopB.id });
    expect(stats.body.simcards.total).toBe(1);
    const csv = await api.get('/simcards/export?raw=true', { token });
    expect(csv.status).toBe(200);
    expect(csv.text).toContain(simB.iccid);
    expect(csv.text).not.toContain(simA.iccid);
    expect(csv.text).not.toContain(stock.iccid);
    // And nothing of shop A can be changed.
    expect((await api.put(`/simcards/${simA.id}`, { notes: 'mine now' }, { token })).status).toBe(404);
    expect((await api.post(`/handovers/${handoverA.body.id}/receipt`, { all: true }, { token })).status).toBe(404);
    expect((await api.db('handovers').where({ id: handoverA.body.id }).first()).status).toBe('awaiting_confirmation');
    expect((await api.db('simcards').where({ id: simA.id }).first()).notes).toBeNull();
  });
});

describe("rule: a handover receipt does not tell staff which of another shop's ICCIDs we hold", () => {
  test("another shop's SIM named on a receipt is reported to staff exactly as an ICCID we do not hold; the admin sees which SIM it is", async () => {
    const [shopA, shopB] = [await api.createShop(), await api.createShop()];
    const { token } = await api.createStaff(shopA.id);
    const box = [await api.createSimcard(), await api.createSimcard()];
    const simB = await api.createSimcard({ shop_id: shopB.id });
    const created = await api.post('/handovers', { shop_id: shopA.id, simcard_ids: box.map((s) => s.id) });
    expect(created.status).toBe(201);
    const notHeld = makeIccid(900_000_000 + Math.floor(Math.random() * 1_000_000));

    const res = await api.post(
      `/handovers/${created.body.id}/receipt`,
      { iccids: [...box.map((s) => s.iccid), simB.iccid, notHeld] },
      { token },
    );
    expect(res.status).toBe(200);
    const byIccid = (body: { unexpected: { iccid: string; simcard_id: number | null }[] }) =>
      Object.fromEntries(body.unexpected.map((u) => [u.iccid, u.simcard_id]));
    expect(byIccid(res.body)).toEqual({ [simB.iccid]: null, [notHeld]: null });
    expect(res.text).not.toMatch(new RegExp(`"simcard_id":${simB.id}\\b`));
    // The same when staff read the document back.
    const read = await api.get(`/handovers/${created.body.id}`, { token });
    expect(byIccid(read.body)).toEqual({ [simB.iccid]: null, [notHeld]: null });
    expect(read.text).not.toMatch(new RegExp(`"simcard_id":${simB.id}\\b`));
    // The office still sees which SIM turned up where it should not be.
    expect(byIccid((await api.get(`/handovers/${created.body.id}`)).body)).toEqual({ [simB.iccid]: simB.id, [notHeld]: null });
    // Nothing of shop B changed.
    expect((await api.db('simcards').where({ id: simB.id }).first()).shop_id).toBe(shopB.id);
  });
});

describe("rule: the export for people (the default) holds the staff member's own shop only", () => {
  test.each(['csv', 'xlsx'])('format=%s without raw', async (format) => {
    const [shopA, shopB] = [await api.createShop(), await api.createShop()];
    const { token } = await api.createStaff(shopA.id);
    const batch = `iso-${Math.random().toString(36).slice(2, 10)}`;
    const own = await api.createSimcard({ shop_id: shopA.id, batch_id: batch });
    const theirs = await api.createSimcard({ shop_id: shopB.id, batch_id: batch });
    const stock = await api.createSimcard({ batch_id: batch });
    const res = await fetch(`${api.url}/simcards/export?format=${format}&batch_id=${batch}`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    let text: string;
    if (format === 'csv') text = body.toString('utf8');
    else {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(body as unknown as ArrayBuffer);
      const cells: string[] = [];
      workbook.worksheets[0]!.eachRow((row) => cells.push(JSON.stringify(row.values)));
      text = cells.join('\n');
    }
    expect(text).toContain(own.iccid);
    expect(text).not.toContain(theirs.iccid);
    expect(text).not.toContain(stock.iccid);
    expect(text).not.toContain(shopB.name);
  });
});

describe('rule: on the status API too, a move or a demotion takes the old shop away at once', () => {
  test.each([
    ['staff moved from shop A to shop B', 'staff'],
    ['an admin demoted to staff of shop B', 'admin'],
  ])("%s: the old token is refused, the fresh one answers 404 for shop A's SIMs, as for one we do not hold", async (_what, role) => {
    // The status API on the main API's own database, as deployed (the provider is never asked here).
    const base = loadConfig({ NODE_ENV: 'test', STATUS_API_PORT: '0', JWT_SECRET, PROVIDER_URL: `http://127.0.0.1:${await freePort()}` });
    const status = await startStatusApi({ ...base, database: api.database.config }, silentLogger);
    try {
      const [shopA, shopB] = [await api.createShop(), await api.createShop()];
      const account = role === 'staff' ? await api.createStaff(shopA.id) : await createAdmin();
      const simA = await api.createSimcard({ shop_id: shopA.id });
      const simB = await api.createSimcard({ shop_id: shopB.id });
      const stored = async (iccid: string, token: string) =>
        (await fetch(`${status.url}/simcards/${iccid}`, { headers: bearer(token) })).status;
      expect(await stored(simA.iccid, account.token)).toBe(200);

      expect((await api.put(`/users/${account.user.id}`, { role: 'staff', shop_id: shopB.id })).status).toBe(200);
      expect(await stored(simA.iccid, account.token)).toBe(401);
      const token = await api.login(account.user.username, STAFF_PASSWORD);
      expect(await stored(simA.iccid, token)).toBe(404);
      expect(await stored(makeIccid(800_000_000 + Math.floor(Math.random() * 1_000_000)), token)).toBe(404);
      expect(await stored(simB.iccid, token)).toBe(200);
      const many = await fetch(`${status.url}/simcards/status`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify({ iccids: [simA.iccid] }),
      });
      expect(((await many.json()) as { results: unknown[] }).results).toEqual([
        expect.objectContaining({ iccid: simA.iccid, simcard: null, error: expect.objectContaining({ code: 'not_found' }) }),
      ]);
      expect((await fetch(`${status.url}/check-runs`, { headers: bearer(token) })).status).toBe(403);
    } finally {
      await status.close();
    }
  });
});
