/**
 * Idempotency-Key answers are kept for 24 hours, then forgotten: a key reused after that is a
 * new request; before that, the stored answer stands. Expired answers are deleted by later claims.
 */
import { Idempotency, KEY_RETENTION_MS } from '../src/services/idempotency.js';
import { TestApi } from './support/harness.js';

let api: TestApi;
let userId: number;

beforeAll(async () => {
  api = await TestApi.start();
  userId = Number((await api.db('users').where({ username: 'admin' }).first('id')).id);
});
afterAll(() => api.close());

const HOUR = 3_600_000;

/** The service as a process would see it `offsetMs` from now. */
const at = (offsetMs: number) => new Idempotency(api.db, () => Date.now() + offsetMs);

async function completedRequest(key: string) {
  const scope = { userId, route: 'POST /simcards/bulk', key };
  const claim = await at(0).claim(scope, 'hash-a');
  if (claim.kind !== 'claimed') throw new Error('expected a fresh claim');
  await at(0).complete(api.db, claim.id, 200, { inserted: 1 });
  return scope;
}

describe('Idempotency-Key retention', () => {
  test('within 24 hours the stored answer is replayed, and the key cannot carry another request', async () => {
    const scope = await completedRequest('kept-key');
    const later = at(KEY_RETENTION_MS - HOUR);
    expect(await later.claim(scope, 'hash-a')).toEqual({ kind: 'replay', status: 200, body: { inserted: 1 } });
    await expect(later.claim(scope, 'hash-b')).rejects.toMatchObject({ status: 422 });
  });

  test('after 24 hours the answer is forgotten: the same key starts a new request', async () => {
    const scope = await completedRequest('expired-key');
    const claim = await at(KEY_RETENTION_MS + HOUR).claim(scope, 'hash-b');
    expect(claim.kind).toBe('claimed');
  });

  test('a claim deletes every expired answer, not only its own key', async () => {
    await completedRequest('old-1');
    await completedRequest('old-2');
    await at(KEY_RETENTION_MS + HOUR).claim({ userId, route: 'POST /simcards/bulk', key: 'unrelated' }, 'hash-c');
    const left = (await api.db('idempotency_keys').whereIn('key', ['old-1', 'old-2']).count({ n: '*' }).first()) as { n: unknown };
    expect(Number(left.n)).toBe(0);
  });
});
