/**
 * Validation details carry a stable `code` and `params` a client translates (the web app says
 * them in uz, ru or en), derived from zod's issues; the English `reason` stays for API users.
 */
import { z } from 'zod';
import { IccidField } from '../contracts/identifiers.js';
import { issuesToDetails } from './api-router.js';

function detailsOf(schema: z.ZodType, value: unknown) {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected the value to be refused');
  return issuesToDetails(result.error, 'body');
}

/** The one detail of `field`. */
function detail(schema: z.ZodType, value: unknown, field: string) {
  const found = detailsOf(schema, value).filter((d) => d.field === field);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const Body = z.strictObject({
  name: z.string().min(2).max(5),
  count: z.number().int().min(1).max(10),
  price: z.number().gt(0),
  step: z.number().multipleOf(5),
  tags: z.array(z.string()).min(1),
  role: z.enum(['admin', 'staff']),
  kind: z.literal('sim'),
  email: z.email(),
  code: z.string().regex(/^[A-Z]+$/),
  either: z.union([z.string(), z.number()]),
  note: z.string().refine(() => false, 'is never right'),
});
const good = {
  name: 'abc',
  count: 3,
  price: 1,
  step: 10,
  tags: ['a'],
  role: 'admin',
  kind: 'sim',
  email: 'a@b.uz',
  code: 'AB',
  either: 1,
  note: 'x',
};

describe('issuesToDetails gives every detail a stable code and params', () => {
  test('a string shorter than its minimum is too_small with min and origin string', () => {
    const d = detail(Body, { ...good, name: 'a' }, 'name');
    expect(d).toMatchObject({ code: 'too_small', params: { min: 2, origin: 'string' }, in: 'body' });
    expect(typeof d.reason).toBe('string'); // the English message stays
    expect(d.reason.length).toBeGreaterThan(0);
  });

  test('a number over its maximum is too_big with max and origin number', () => {
    expect(detail(Body, { ...good, count: 11 }, 'count')).toMatchObject({ code: 'too_big', params: { max: 10, origin: 'number' } });
  });

  test('an exclusive bound says so (gt 0 is not "at least 0")', () => {
    expect(detail(Body, { ...good, price: 0 }, 'price')).toMatchObject({
      code: 'too_small',
      params: { min: 0, origin: 'number', exclusive: 1 },
    });
  });

  test('an empty array is too_small with origin array', () => {
    expect(detail(Body, { ...good, tags: [] }, 'tags')).toMatchObject({ code: 'too_small', params: { min: 1, origin: 'array' } });
  });

  test('a wrong type is invalid_type naming the expected type; a missing field is required', () => {
    expect(detail(Body, { ...good, count: 'three' }, 'count')).toMatchObject({ code: 'invalid_type', params: { expected: 'number' } });
    expect(detail(Body, { ...good, count: 2.5 }, 'count')).toMatchObject({ code: 'invalid_type', params: { expected: 'int' } });
    const { name: _name, ...missing } = good;
    expect(detail(Body, missing, 'name')).toMatchObject({ code: 'required' });
  });

  test('a value outside an enum is not_in_enum with the allowed values; a wrong literal is invalid_value', () => {
    expect(detail(Body, { ...good, role: 'boss' }, 'role')).toMatchObject({ code: 'not_in_enum', params: { allowed: 'admin, staff' } });
    expect(detail(Body, { ...good, kind: 'car' }, 'kind')).toMatchObject({ code: 'invalid_value', params: { expected: 'sim' } });
  });

  test('a bad email or pattern is invalid_format naming the format', () => {
    expect(detail(Body, { ...good, email: 'nope' }, 'email')).toMatchObject({ code: 'invalid_format', params: { format: 'email' } });
    expect(detail(Body, { ...good, code: 'ab' }, 'code')).toMatchObject({ code: 'invalid_format', params: { format: 'regex' } });
  });

  test('not a multiple is not_multiple_of with the divisor; a union matching nothing is invalid_value', () => {
    expect(detail(Body, { ...good, step: 7 }, 'step')).toMatchObject({ code: 'not_multiple_of', params: { divisor: 5 } });
    expect(detail(Body, { ...good, either: true }, 'either')).toMatchObject({ code: 'invalid_value' });
  });

  test('a refinement without a code of its own is custom, its English reason kept', () => {
    expect(detail(Body, { ...good, note: 'y' }, 'note')).toMatchObject({ code: 'custom', reason: 'is never right' });
  });

  test('an unknown field is unrecognized_key naming the key', () => {
    expect(detail(Body, { ...good, colour: 'red' }, 'colour')).toMatchObject({
      code: 'unrecognized_key',
      params: { key: 'colour' },
      reason: 'is not an accepted field',
    });
  });

  test('the ICCID rule gives its own code and params (the ones import rows carry)', () => {
    const Sim = z.strictObject({ iccid: IccidField });
    expect(detail(Sim, { iccid: '8999801000000000015' }, 'iccid')).toMatchObject({
      code: 'iccid.check_digit',
      params: { expected: 4 },
      reason: 'check digit is wrong (expected 4)',
    });
    expect(detail(Sim, { iccid: '89998' }, 'iccid')).toMatchObject({ code: 'iccid.length', params: { count: 5 } });
    expect(detail(Sim, { iccid: '89x' }, 'iccid')).toMatchObject({ code: 'iccid.not_digits' });
  });

  test('nested fields are named by their path', () => {
    const Range = z.strictObject({ range: z.strictObject({ from: z.string().min(3) }) });
    expect(detail(Range, { range: { from: 'a' } }, 'range.from')).toMatchObject({ code: 'too_small' });
  });
});
