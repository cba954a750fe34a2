/**
 * Claiming due notification deliveries: each due delivery goes to exactly one claimant, however
 * many dispatchers claim at once; a leased one is not due again until its lease ends.
 */
import { type Db, notificationDeliveriesRepository as outbox } from '@simcard/db';
import { useMigratedDatabase } from './support/migrated-database.js';

// Two pools: two status API processes.
const database = useMigratedDatabase(2);
let db: Db;
let other: Db;
beforeAll(() => {
  [db, other] = database.dbs as [Db, Db];
});

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

function deliveries(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    channel: 'webhook' as const,
    target: 'https://example.test/hook',
    event: 'simcard.sold',
    simcard_id: null,
    payload: `{"n":${i}}`,
  }));
}

describe('claiming due deliveries', () => {
  test('concurrent dispatchers never claim the same delivery, and together they claim every due one', async () => {
    await db('notification_deliveries').del();
    await outbox.enqueue(db, deliveries(120));
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => outbox.claimDue(i % 2 ? other : db, 'webhook', 20, inAnHour())));
    const ids = claims.flat().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(120);
  });

  test('a claimed delivery is leased: not due again, and oldest first within a claim', async () => {
    await db('notification_deliveries').del();
    await outbox.enqueue(db, deliveries(5));
    const first = await outbox.claimDue(db, 'webhook', 3, inAnHour());
    expect(first.map((d) => d.id)).toEqual([...first.map((d) => d.id)].sort((a, b) => a - b));
    const second = await outbox.claimDue(db, 'webhook', 10, inAnHour());
    expect(second).toHaveLength(2);
    expect(await outbox.claimDue(db, 'webhook', 10, inAnHour())).toEqual([]);
    expect(await outbox.claimDue(db, 'telegram', 10, inAnHour())).toEqual([]);
  });
});
