import { z } from 'zod';

export const RunIdParams = z.strictObject({
  id: z
    .string()
    .regex(/^\d{1,10}$/, 'must be a positive whole number')
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .positive()
        .max(2 ** 31 - 1),
    ),
});

/** The operators a run checks; absent or empty = all. One without a provider → 400 `unknown_operator`. */
export const RunOperators = z
  .array(z.string().regex(/^[a-z0-9][a-z0-9_-]{1,31}$/, 'must be an operator slug (beeline, ucell, …)'))
  .max(100)
  .optional()
  .meta({
    description:
      "Only these operators' SIMs (slugs); absent or empty = every operator. An operator without a provider is refused (400 unknown_operator)",
  });

export const StartRunBody = z
  .strictObject({
    include_sold: z
      .boolean()
      .default(false)
      .meta({ description: 'Also check sold and blocked SIMs (assigned and in-stock ones always are)' }),
    operators: RunOperators,
  })
  .meta({ id: 'StartCheckRunRequest' });

export const RunListQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .default(50)
    .transform((n) => Math.min(n, 500)),
  offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
});
