import { z } from 'zod';
import { booleanQuery, Id, Operator, optionalText } from '../../schemas.js';

/** A calendar day of the dealer's time zone. */
export const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day, YYYY-MM-DD')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'must be a calendar day',
  )
  .meta({ description: "A day of the dealer's calendar (TIME_ZONE), YYYY-MM-DD", example: '2026-11-01' });

const Amount = z.number().int().min(0).max(100_000_000).meta({ description: "So'm per activation" });

export const RuleBody = z.strictObject({
  operator: Operator,
  tariff: optionalText(64).meta({ description: 'Only SIMs with this tariff; absent or null: every tariff of the operator' }),
  amount: Amount,
  valid_from: Day,
  valid_to: Day.nullish().meta({ description: 'Last day the rule applies (inclusive); absent or null: open-ended' }),
  note: optionalText(500),
});

export const RulePatch = RuleBody.partial();

export const RuleListQuery = z.strictObject({
  operator: Operator.optional(),
  include_inactive: booleanQuery.optional().meta({ description: 'Also replaced and retired versions' }),
});

export const RecomputeBody = z.strictObject({
  from: Day,
  to: Day.meta({ description: 'Inclusive' }),
});

export const ShareBody = z.strictObject({
  shop_id: Id.nullable().meta({ description: 'null: the dealer-wide default' }),
  kind: z.enum(['percent', 'fixed']),
  value: z
    .number()
    .min(0)
    .max(100_000_000)
    .meta({ description: "percent: 0-100; fixed: so'm per activation (never more than the commission)" }),
  valid_from: Day,
});

export const ShareListQuery = z.strictObject({ include_inactive: booleanQuery.optional() });

const timestamp = z.string().meta({ description: 'ISO-8601 UTC' });

export const CommissionRule = z
  .object({
    id: z.number().int(),
    series_id: z.number().int().meta({ description: "The first version's id: every version of a rule shares it" }),
    version: z.number().int(),
    operator: z.string(),
    tariff: z.string().nullable(),
    amount: z.number().int(),
    valid_from: z.string(),
    valid_to: z.string().nullable(),
    active: z.boolean().meta({ description: 'False once replaced by a newer version or retired: then it prices no new sale' }),
    replaced_by: z.number().int().nullable(),
    note: z.string().nullable(),
    created_by: z.string(),
    created_at: timestamp,
    retired_at: timestamp.nullable(),
    uses: z.number().int().optional().meta({ description: 'Sales priced by this version (GET of one rule)' }),
  })
  .meta({ id: 'CommissionRule' });

export const CommissionShare = z
  .object({
    id: z.number().int(),
    series_id: z.number().int(),
    version: z.number().int(),
    shop_id: z.number().int().nullable(),
    kind: z.enum(['percent', 'fixed']),
    value: z.number(),
    valid_from: z.string(),
    active: z.boolean(),
    replaced_by: z.number().int().nullable(),
    created_by: z.string(),
    created_at: timestamp,
    retired_at: timestamp.nullable(),
  })
  .meta({ id: 'CommissionShare' });

const RecomputeTotals = z.object({ sales: z.number().int(), amount: z.number().int(), share: z.number().int() });
export const RecomputeResult = z
  .object({ from: z.string(), to: z.string(), before: RecomputeTotals, after: RecomputeTotals })
  .meta({ id: 'CommissionRecompute' });
