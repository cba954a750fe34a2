/**
 * A refused request names each bad field with a stable `code` and `params` a client translates
 * (the web app says it in uz, ru or en), beside the English `reason` for API users; the error's
 * own shape stays as it was (code, message, details with field and reason).
 */
import { makeIccid, TestApi } from './support/harness.js';

let api: TestApi;

beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(async () => {
  await api?.close();
});

/** The detail of `field` in a 400's body. */
function detailOf(body: any, field: string) {
  const found = (body.error.details as any[]).filter((d) => d.field === field);
  expect(found).toHaveLength(1);
  return found[0];
}

describe('validation details carry a code and params', () => {
  test('an ICCID with a wrong check digit is iccid.check_digit with the expected digit', async () => {
    const good = makeIccid();
    const wrong = good.slice(0, -1) + String((Number(good.at(-1)) + 1) % 10);
    const res = await api.post('/simcards', { iccid: wrong });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(detailOf(res.body, 'iccid')).toEqual({
      field: 'iccid',
      in: 'body',
      reason: `check digit is wrong (expected ${good.at(-1)})`,
      code: 'iccid.check_digit',
      params: { expected: Number(good.at(-1)) },
    });
  });

  test('a price over its maximum is too_big with max, a wrong type invalid_type, an unknown field unrecognized_key', async () => {
    const res = await api.post('/simcards', { iccid: makeIccid(), price: 2_000_000_000, tariff: 5, colour: 'red' });
    expect(res.status).toBe(400);
    expect(detailOf(res.body, 'price')).toMatchObject({ code: 'too_big', params: { max: 1_000_000_000, origin: 'number' } });
    expect(detailOf(res.body, 'tariff')).toMatchObject({ code: 'invalid_type', params: { expected: 'string' } });
    expect(detailOf(res.body, 'colour')).toMatchObject({
      code: 'unrecognized_key',
      params: { key: 'colour' },
      reason: 'is not an accepted field',
    });
    // The English message still lists them, for API users.
    expect(res.body.error.message).toMatch(/^Invalid request body: /);
  });

  test('a status outside its list is not_in_enum with the allowed values (a query parameter)', async () => {
    const res = await api.get('/simcards?status=lost');
    expect(res.status).toBe(400);
    expect(detailOf(res.body, 'status')).toMatchObject({
      code: 'not_in_enum',
      in: 'query',
      params: { allowed: 'in_stock, assigned, sold, blocked' },
    });
  });

  test('a missing required field is required', async () => {
    const res = await api.post('/simcards', { tariff: 'Start' });
    expect(res.status).toBe(400);
    expect(detailOf(res.body, 'iccid')).toMatchObject({ code: 'required' });
  });
});
