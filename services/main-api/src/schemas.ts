/**
 * Building blocks shared by the route schemas: ids, paging, sorting, identifiers. The response
 * shapes live in `presenters.ts`, beside the functions that produce them.
 */
import { cleanText, parseMsisdn } from '@simcard/common';
import { z } from 'zod';

export const MAX_LIMIT = 500;

/** Ids are 32-bit integer columns: a larger one is a 400 here, not a database error (a 500 on PostgreSQL). */
export const MAX_ID = 2 ** 31 - 1;

/** An id in a JSON body. */
export const Id = z.number().int().positive().max(MAX_ID);

/** An id in a path or query string: decimal digits only (no `0x10`, `1e1`, or ` 7`). */
export const IdString = z
  .string()
  .regex(/^\d{1,10}$/, 'must be a positive whole number')
  .transform(Number)
  .pipe(Id)
  // Documented as what it is, an integer (the generated web client then takes a number).
  .meta({ description: 'Numeric id', type: 'integer', minimum: 1 });

export const IdParams = z.strictObject({ id: IdString });

/** `limit` (default 50, capped at 500) and `offset`, as the list convention says (docs/conventions.md). */
export const pageQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .default(50)
    .transform((n) => Math.min(n, MAX_LIMIT))
    .meta({ description: `Page size, default 50, at most ${MAX_LIMIT} (larger values are capped)` }),
  offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
};

/** `sort=column` ascending or `sort=-column` descending, from a whitelist; anything else is a 400. */
export function sortQuery<const C extends readonly [string, ...string[]]>(columns: C, fallback: `${'' | '-'}${C[number]}`) {
  const values = columns.flatMap((c) => [c, `-${c}`]) as [string, ...string[]];
  return z
    .enum(values)
    .default(fallback)
    .transform((s) => ({
      column: s.replace(/^-/, '') as C[number],
      direction: s.startsWith('-') ? ('desc' as const) : ('asc' as const),
    }))
    .meta({ description: 'Sort column; prefix with - for descending' });
}

export const booleanQuery = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .meta({ description: 'true or false' });

/** Optional text: NFC, trimmed, no control or bidi-override characters (common's text rule); an empty string means "not given". */
export const optionalText = (max: number) =>
  cleanText({ max, multiline: true })
    .transform((s) => (s === '' ? null : s))
    .nullish();

/** The shared ICCID field (common), under the name the routes here use. */
export { IccidField as Iccid } from '@simcard/common';

export const Msisdn = z
  .string()
  .max(32)
  .transform((value, ctx) => {
    const r = parseMsisdn(value);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.reason, params: { code: r.code, params: r.params } });
      return z.NEVER;
    }
    return r.value;
  })
  .meta({ description: 'Uzbek number; stored as +998XXXXXXXXX', example: '+998 90 123 45 67' });

export const Operator = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_-]{2,32}$/, 'must be 2-32 letters, digits, dashes or underscores')
  .meta({ description: 'Operator slug, stored lower-case (beeline, ucell, uzmobile, mobiuz, humans, perfectum, ...)' });

export function listOf<T extends z.ZodType>(item: T, id: string) {
  return z.object({ data: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }).meta({ id });
}
