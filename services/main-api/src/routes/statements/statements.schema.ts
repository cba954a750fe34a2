import { z } from 'zod';
import { optionalText } from '../../schemas.js';
import { LANGUAGES } from '../../services/people-labels.js';

export const Month = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM')
  .meta({ description: "A month of the dealer's calendar (TIME_ZONE)", example: '2026-11' });

export const StatementsQuery = z.strictObject({ month: Month });

export const ShopStatementQuery = z.strictObject({
  month: Month,
  format: z.enum(['json', 'xlsx']).default('json'),
  lang: z.enum(LANGUAGES).optional().meta({ description: "The XLSX's language; default: the user's" }),
});

export const PaymentBody = z.strictObject({
  month: Month,
  amount: z.number().int().min(1).max(10_000_000_000).meta({ description: "So'm paid to the shop" }),
  paid_at: z.iso.datetime({ offset: true }).nullish().meta({ description: 'When it was paid; default now' }),
  note: optionalText(500),
});

const money = z.number().int().meta({ description: "So'm" });
const Totals = z.object({ activations: z.number().int(), earned: money, share: money });
const range = z.object({ from: z.string(), to: z.string() }).meta({ description: 'The month as UTC instants, [from, to)' });

export const MonthStatements = z
  .object({
    month: z.string(),
    time_zone: z.string(),
    range,
    shops: z.array(
      z.object({
        shop_id: z.number().int(),
        name: z.string(),
        code: z.string(),
        is_active: z.boolean(),
        activations: z.number().int().meta({ description: 'Sales credited to the shop, activated in the month' }),
        earned: money.meta({ description: 'The commission the operators pay for them' }),
        share: money.meta({ description: "The shop's share: what the dealer owes it for the month" }),
        paid: money,
        balance: money.meta({ description: 'share - paid' }),
      }),
    ),
    unassigned: Totals.meta({ description: 'Sales credited to no shop (sold from stock): the dealer earns, no share is owed' }),
    by_operator: z.array(
      Totals.extend({ operator: z.string().nullable(), net: money.meta({ description: "earned - share: the dealer's income" }) }),
    ),
    totals: Totals.extend({ paid: money, balance: money }),
  })
  .meta({ id: 'MonthStatements' });

export const Payment = z
  .object({
    id: z.number().int(),
    shop_id: z.number().int(),
    month: z.string(),
    amount: money,
    paid_at: z.string(),
    paid_by: z.string(),
    note: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'StatementPayment' });

export const ShopStatementResponse = z
  .object({
    month: z.string(),
    time_zone: z.string(),
    range,
    shop: z.object({ id: z.number().int(), name: z.string(), code: z.string() }),
    lines: z.array(
      Totals.extend({
        operator: z.string().nullable(),
        tariff: z.string().nullable(),
        unit_amount: money.nullable().meta({ description: "Per activation, when the same for all the line's sales" }),
      }),
    ),
    totals: Totals,
    payments: z.array(Payment),
    paid: money,
    balance: money,
  })
  .meta({ id: 'ShopStatement' });
