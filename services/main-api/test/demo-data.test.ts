/**
 * The demo's data set (`npm start -- --demo`) goes into a freshly migrated database of either
 * dialect, and the screens a newcomer opens first show full figures: sales per shop, check runs,
 * anomalies to chase.
 */
import { DEMO_SHOPS, seedDemo } from '../../../scripts/lib/demo-data.js';
import { TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

test('the demo fills an empty database with shops, SIMs of four operators, two months of sales and checks, and anomalies', async () => {
  const summary = await seedDemo(api.db, Date.now(), { sims: 800, days: 60 });
  expect(summary.sold).toBeGreaterThan(100);

  const shops = await api.get('/shops?limit=50');
  expect(shops.body.total).toBe(DEMO_SHOPS.length);
  expect(new Set(shops.body.data.map((s: { city: string }) => s.city)).size).toBeGreaterThanOrEqual(8);

  const stats = await api.get('/statistics');
  expect(stats.status).toBe(200);
  expect(stats.body.simcards.by_operator.map((o: { operator: string }) => o.operator).sort()).toEqual([
    'beeline',
    'mobiuz',
    'ucell',
    'uzmobile',
  ]);
  expect(stats.body.sold.last_30_days).toBeGreaterThan(50);
  expect(stats.body.last_check_run).toMatchObject({ status: 'completed', trigger: 'scheduled' });

  const operators = await api.get('/simcards?operator=ucell&limit=1');
  expect(operators.body.total).toBe(200);

  const perShop = await api.get('/statistics/shops');
  expect(perShop.status).toBe(200);
  const sold = perShop.body.data.map((s: { sold: number }) => s.sold);
  expect(sold.every((n: number) => n > 0)).toBe(true);
  expect(Math.max(...sold)).toBeGreaterThan(5 * Math.min(...sold)); // a busy shop and a slow one

  const anomalies = await api.get('/anomalies');
  expect(anomalies.body.counts).toMatchObject({ activated_before_assignment: 4, unknown_to_provider: 3 });
  expect(anomalies.body.counts.stale_assigned).toBeGreaterThan(0);

  // (The check runs' own list is the status API's; the main API reads the same table.)
  const runs = await api.db('check_runs').select('status');
  expect(runs).toHaveLength(60);
  expect(runs.filter((r) => r.status === 'failed')).toHaveLength(1);

  // A second seed would mix two data sets: refused.
  await expect(seedDemo(api.db)).rejects.toThrow(/empty database/);
});
