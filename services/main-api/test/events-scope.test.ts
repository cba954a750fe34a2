/**
 * A live stream (`GET /events`) lives only as long as its right to (issue 11): it is ended within
 * 5 s of a sign-out, a deactivation or a move to another shop, a sale is only sent to a scope
 * checked again, and one user has at most EVENTS_MAX_STREAMS_PER_USER streams (the oldest ends).
 * Sales are written straight into the log the feed reads, as the status API would write them.
 */
import { type EventStream as Stream, logSale, OpenStreams } from './support/event-stream.js';
import { TestApi } from './support/harness.js';

let api: TestApi;
const streams = new OpenStreams(() => api);
beforeAll(async () => {
  api = await TestApi.start();
});
afterEach(() => streams.closeAll());
afterAll(() => api.close());

const open = (token: string) => streams.open({ authorization: `Bearer ${token}` });
const sell = (shopId: number) => logSale(api, shopId);

const soldEvents = (s: Stream) => s.events.filter((e) => e.event === 'simcard.sold');

test('signing out ends the stream within 5 s', async () => {
  const shop = await api.createShop();
  const { token } = await api.createStaff(shop.id);
  const stream = await open(token);
  expect((await api.post('/auth/logout', undefined, { token })).status).toBe(204);
  await stream.endsWithin(5000);
  expect(stream.events).toContainEqual({ event: 'stream_ended', data: { reason: 'signed_out' } });
});

test('deactivating the user ends the stream within 5 s', async () => {
  const shop = await api.createShop();
  const { user, token } = await api.createStaff(shop.id);
  const stream = await open(token);
  expect((await api.put(`/users/${user.id}`, { is_active: false })).status).toBe(200);
  await stream.endsWithin(5000);
  expect(stream.events.map((e) => e.event)).toContain('stream_ended');
});

test("moving staff to another shop ends the stream within 5 s, and the old shop's next sale never reaches it", async () => {
  const [shopB, shopC] = [await api.createShop(), await api.createShop()];
  const { user, token } = await api.createStaff(shopB.id);
  const stream = await open(token);
  // Scope is right before the move: a sale of shop B arrives.
  const before = await sell(shopB.id);
  for (let i = 0; i < 200 && !soldEvents(stream).length; i++) await new Promise((r) => setTimeout(r, 25));
  expect(soldEvents(stream).map((e) => e.data.simcard.iccid)).toEqual([before]);

  expect((await api.put(`/users/${user.id}`, { shop_id: shopC.id })).status).toBe(200);
  const after = await sell(shopB.id);
  await stream.endsWithin(5000);
  expect(soldEvents(stream).map((e) => e.data.simcard.iccid)).not.toContain(after);
  expect(stream.events.map((e) => e.event)).toContain('stream_ended');
});

test('a user has at most 5 streams: the sixth ends the oldest, the rest stay open', async () => {
  const shop = await api.createShop();
  const { token } = await api.createStaff(shop.id);
  const opened: Stream[] = [];
  for (let i = 0; i < 6; i++) opened.push(await open(token));
  await opened[0]!.endsWithin(5000);
  expect(opened[0]!.events).toContainEqual({ event: 'stream_ended', data: { reason: 'too_many_streams' } });
  // The other five still get sales.
  const iccid = await sell(shop.id);
  for (const s of opened.slice(1)) {
    for (let i = 0; i < 200 && !soldEvents(s).length; i++) await new Promise((r) => setTimeout(r, 25));
    expect(soldEvents(s).map((e) => e.data.simcard.iccid)).toEqual([iccid]);
    expect(s.ended).toBe(false);
  }
});

test('the cap is per user: another user of the same shop is not affected, and 500 streams are never held', async () => {
  const shop = await api.createShop();
  const a = await api.createStaff(shop.id);
  const b = await api.createStaff(shop.id);
  const bStream = await open(b.token);
  const aStreams: Stream[] = [];
  for (let i = 0; i < 20; i++) aStreams.push(await open(a.token));
  for (let i = 0; i < 200 && aStreams.filter((s) => !s.ended).length > 5; i++) await new Promise((r) => setTimeout(r, 25));
  expect(aStreams.filter((s) => !s.ended)).toHaveLength(5);
  expect(bStream.ended).toBe(false);
});
