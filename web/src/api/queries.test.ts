/** The cache's resources and what a change makes stale, on the app's query cache (no browser, no server). */
import { affectedBy, createAppQueryClient, invalidate, resourceOf } from './queries';

test('a query belongs to its path’s first segment; a shop’s figures are statistics', () => {
  expect(resourceOf('/simcards')).toBe('simcards');
  expect(resourceOf('/simcards/{id}/history')).toBe('simcards');
  expect(resourceOf('/shops/{id}')).toBe('shops');
  expect(resourceOf('/shops/{id}/stats')).toBe('statistics');
  expect(resourceOf('/statistics/shops')).toBe('statistics');
  expect(resourceOf('/check-runs/{id}')).toBe('check-runs');
});

test('a change to SIMs makes the figures stale too; a change to API keys only API keys', () => {
  expect([...affectedBy(['simcards'])]).toEqual(expect.arrayContaining(['simcards', 'statistics', 'anomalies', 'logs']));
  expect([...affectedBy(['check-runs'])]).toEqual(expect.arrayContaining(['check-runs', 'statistics', 'simcards']));
  expect([...affectedBy(['api-keys'])]).toEqual(['api-keys']);
});

test('invalidate marks exactly the affected cached queries stale', async () => {
  const client = createAppQueryClient();
  const keys = {
    stats: ['get', '/statistics', { params: { query: { days: 30 } } }],
    shopStats: ['get', '/shops/{id}/stats', { params: { path: { id: 1 } } }],
    sims: ['get', '/simcards', {}],
    keys: ['get', '/api-keys', {}],
    users: ['get', '/users', {}],
  } as const;
  for (const key of Object.values(keys)) client.setQueryData(key, { data: [] });
  await invalidate(client, ['simcards']);
  const stale = (key: readonly unknown[]) => client.find(key)?.state.isInvalidated;
  expect({
    stats: stale(keys.stats),
    shopStats: stale(keys.shopStats),
    sims: stale(keys.sims),
    keys: stale(keys.keys),
    users: stale(keys.users),
  }).toEqual({
    stats: true,
    shopStats: true,
    sims: true,
    keys: false,
    users: false,
  });
  client.clear();
});
