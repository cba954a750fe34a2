import { SIMCARD_SORT_COLUMNS } from '@simcard/db';
import { z } from 'zod';
import { Iccid, Id, IdString, Msisdn, Operator, optionalText, pageQuery, sortQuery } from '../../schemas.js';

export const SimcardStatus = z.enum(['in_stock', 'assigned', 'sold', 'blocked']);

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** An instant with its zone: `2026-11-30T10:00:00Z`, `…+05:00` (seconds and fractions optional). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * A day (`2026-11-30`: the whole day in the dealer's time zone, resolved by the service) or an
 * ISO instant with a zone (normalized to UTC). Anything else is a 400 naming the field.
 */
export const DayOrInstant = z
  .string()
  .trim()
  .refine(
    (s) =>
      DAY.test(s)
        ? !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s)
        : INSTANT.test(s) && !Number.isNaN(Date.parse(s)),
    {
      message: 'must be a day (YYYY-MM-DD) or an ISO instant with a zone (2026-11-30T10:00:00Z)',
    },
  )
  .transform((s) => (DAY.test(s) ? s : new Date(s).toISOString()));

/** `<name>_from` / `<name>_to` on `column`, both inclusive. */
function dateFilters<N extends string>(column: string, name: N) {
  const bound = (which: string) =>
    DayOrInstant.optional().meta({
      description: `${column} ${which} (inclusive): a day in the dealer's time zone (TIME_ZONE) counts whole, or an ISO instant`,
    });
  return { [`${name}_from`]: bound('from'), [`${name}_to`]: bound('to') } as Record<`${N}_from` | `${N}_to`, ReturnType<typeof bound>>;
}

export const SimcardListQuery = z.strictObject({
  ...pageQuery,
  status: SimcardStatus.optional(),
  shop_id: IdString.optional(),
  operator: Operator.optional(),
  batch_id: z.string().trim().min(1).max(64).optional(),
  q: z
    .string()
    .transform((s) => s.replace(/[\s\-()+]/g, ''))
    .pipe(z.string().regex(/^\d{1,20}$/, 'must be digits: part of an ICCID or a phone number'))
    .optional()
    .meta({
      description:
        'Digits. 4 or more: found anywhere in the ICCID or the phone number (start, middle, last digits); fewer: the start of the ICCID, or of the phone number with or without 998',
    }),
  ...dateFilters('sold_at', 'sold'),
  ...dateFilters('assigned_at', 'assigned'),
  ...dateFilters('created_at', 'created'),
  sort: sortQuery(SIMCARD_SORT_COLUMNS, '-id'),
});

/** The list's query: the filters (shared with the export) and the page's place, by offset or by keyset cursor. */
export const SimcardListPageQuery = SimcardListQuery.extend({
  cursor: z.string().optional().meta({
    description:
      'The next page after a previous answer: its `next_cursor`, with the same sort (and filters). Not with a non-zero `offset` (400 `cursor_with_offset`); a cursor that is not one, or was made for another sort, is a 400 `invalid_cursor`. A deep page by cursor costs what the first page costs, where a deep `offset` reads every row before it.',
  }),
});

const editable = {
  msisdn: Msisdn.nullish(),
  operator: Operator.nullish(),
  tariff: optionalText(64),
  price: z.number().int().min(0).max(1_000_000_000).nullish().meta({ description: 'In so‘m' }),
  batch_id: optionalText(64),
  shop_id: Id.nullish().meta({ description: 'A shop gives the SIM to it (assigned); null returns it to stock' }),
  notes: optionalText(2000),
};

export const CreateSimcardBody = z.strictObject({ iccid: Iccid, ...editable }).meta({ id: 'CreateSimcardRequest' });

export const UpdateSimcardBody = z
  .strictObject(editable)
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ id: 'UpdateSimcardRequest', description: 'Only the fields given are changed. Staff may change notes only.' });
