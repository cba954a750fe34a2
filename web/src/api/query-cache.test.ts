/** The app's query cache without a browser: keys, requests, invalidation, seeded answers. */
import { afterEach, beforeEach, jest } from '@jest/globals';
import { hashKey, type Query, QueryClient, type QueryKey, replaceEqualDeep } from './query-cache';

/** A request the test answers when it likes. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A screen showing the query (what useQuery registers while mounted). */
function show(query: Query<unknown>, queryKey: QueryKey, enabled = true): () => void {
  return query.subscribe({ options: () => ({ queryKey, queryFn: async () => null, enabled }), notify: () => {} });
}

const noRetry = () => false;

// The cache's own timers (a seeded answer's 30 s, an unseen query's 5 min) must not outlive a test.
beforeEach(() => {
  jest.useFakeTimers();
});
afterEach(() => {
  jest.useRealTimers();
});

test('a key is the same query whatever the order of its objects’ fields', () => {
  expect(hashKey(['get', '/simcards', { params: { query: { sort: '-id', limit: 20 } } }])).toBe(
    hashKey(['get', '/simcards', { params: { query: { limit: 20, sort: '-id' } } }]),
  );
  expect(hashKey(['get', '/simcards', { q: 1 }])).not.toBe(hashKey(['get', '/simcards', { q: 2 }]));
});

test('an answer equal to the last keeps the last one’s objects; a changed part is new', () => {
  const before = { data: [{ id: 1, status: 'in_stock' }, { id: 2 }], total: 2 };
  const same = replaceEqualDeep(before, { data: [{ id: 1, status: 'in_stock' }, { id: 2 }], total: 2 });
  expect(same).toBe(before);
  const changed = replaceEqualDeep(before, { data: [{ id: 1, status: 'sold' }, { id: 2 }], total: 2 });
  expect(changed).not.toBe(before);
  expect(changed.data[1]).toBe(before.data[1]);
  expect(changed.data[0]).toEqual({ id: 1, status: 'sold' });
});

test('readers of one key share one request and its answer', async () => {
  const client = new QueryClient({ retry: noRetry });
  const query = client.build(['get', '/shops']);
  const calls: string[] = [];
  query.queryFn = async () => {
    calls.push('asked');
    return { data: ['a'] };
  };
  await Promise.all([query.fetch(), query.fetch()]);
  expect(calls).toEqual(['asked']);
  expect(query.state).toMatchObject({ status: 'success', fetchStatus: 'idle', data: { data: ['a'] }, isInvalidated: false });
});

test('an invalidation during a request asks again, and the later answer wins', async () => {
  const client = new QueryClient({ retry: noRetry });
  const key = ['get', '/simcards', {}];
  const query = client.build(key);
  const answers = [deferred<string>(), deferred<string>()];
  let n = 0;
  query.queryFn = () => answers[n++]!.promise;
  const stop = show(query, key);
  const first = query.fetch();
  const second = client.invalidateQueries({ predicate: () => true });
  expect(n).toBe(2);
  answers[1]!.resolve('after the change');
  answers[0]!.resolve('before the change');
  await Promise.all([first, second]);
  expect(query.state.data).toBe('after the change');
  expect(query.state.isInvalidated).toBe(false);
  stop();
});

test('invalidation re-reads the queries on screen and only marks the others', async () => {
  const client = new QueryClient({ retry: noRetry });
  const shown = client.build(['get', '/simcards']);
  const hidden = client.build(['get', '/statistics']);
  const disabled = client.build(['get', '/anomaly-reviews']);
  const asked: string[] = [];
  for (const [name, q] of [
    ['shown', shown],
    ['hidden', hidden],
    ['disabled', disabled],
  ] as const) {
    q.setData(`${name} 1`);
    q.queryFn = async () => {
      asked.push(name);
      return `${name} 2`;
    };
  }
  const stops = [show(shown, shown.queryKey), show(disabled, disabled.queryKey, false)];
  await client.invalidateQueries({ predicate: () => true });
  expect(asked).toEqual(['shown']);
  expect(shown.state).toMatchObject({ data: 'shown 2', isInvalidated: false });
  expect(hidden.state).toMatchObject({ data: 'hidden 1', isInvalidated: true });
  expect(hidden.isStale(Infinity)).toBe(true);
  for (const stop of stops) stop();
});

test('a failed request is an error after the retries the client allows', async () => {
  const client = new QueryClient({ retry: noRetry });
  const query = client.build(['get', '/shops/{id}']);
  query.queryFn = () => Promise.reject(new Error('refused'));
  await query.fetch();
  expect(query.state).toMatchObject({ status: 'error', fetchStatus: 'idle', data: undefined });
  expect((query.state.error as Error).message).toBe('refused');
});

test('an answer asked at the start is the first reader’s, in or still on its way; a refused one is asked again', async () => {
  const client = new QueryClient({ retry: noRetry });
  client.seed(['get', '/simcards', { a: 1 }], { value: 'rows' });
  const inAlready = client.find(['get', '/simcards', { a: 1 }])!;
  expect(inAlready.state).toMatchObject({ status: 'success', data: 'rows' });
  expect(inAlready.freshForFirstReader).toBe(true);

  const onItsWay = deferred<string>();
  client.seed(['get', '/simcards', { a: 2 }], onItsWay.promise);
  const coming = client.find(['get', '/simcards', { a: 2 }])!;
  expect(coming.state.fetchStatus).toBe('fetching');
  onItsWay.resolve('rows 2');
  await coming.fetch();
  expect(coming.state.data).toBe('rows 2');

  const refused = deferred<string>();
  client.seed(['get', '/simcards', { a: 3 }], refused.promise);
  const again = client.find<string>(['get', '/simcards', { a: 3 }])!;
  again.queryFn = async () => 'asked again';
  refused.reject(new Error('lost'));
  await again.fetch();
  expect(again.state).toMatchObject({ status: 'success', data: 'asked again' });
  expect(again.freshForFirstReader).toBe(false);
  client.clear();
});
