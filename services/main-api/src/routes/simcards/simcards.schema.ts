import { SIMCARD_SORT_COLUMNS } from '@simcard/db';
import { z } from 'zod';
import { Iccid, Id, IdString, Msisdn, Operator, optionalText, pageQuery, sortQuery } from '../../schemas.js';

export const SimcardStatus = z.enum(['in_stock', 'assigned', 'sold', 'blocked']);

export const SimcardListQuery = z.strictObject({
  ...pageQuery,
  status: SimcardStatus.optional(),
  shop_id: IdString.optional(),
  operator: Operator.optional(),
  batch_id: z.string().trim().min(1).max(64).optional(),
  q: z
    .string()
    .transform((s) => s.replace(/[\s\-()+]/g, ''))
    .pipe(z.string().regex(/^\d{1,20}$/, 'must be digits: the start of an ICCID or a phone number'))
    .optional()
    .meta({ description: 'Start of the ICCID, or of the phone number (with or without 998)' }),
  sort: sortQuery(SIMCARD_SORT_COLUMNS, '-id'),
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
