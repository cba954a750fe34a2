import { z } from 'zod';
import { booleanQuery, Iccid, IdString, MAX_ID, optionalText, pageQuery } from '../../schemas.js';
import { Operator } from '../../schemas.js';
import { MAX_SELECTION } from '../../services/assignments.js';
import { exactlyOneSelector, selectors, Skipped } from '../assignments/assignments.schema.js';

const most = MAX_SELECTION.toLocaleString('en');
const Id = z.number().int().positive().max(MAX_ID);
const timestamp = z.string().meta({ description: 'ISO-8601 UTC' });
const Direction = z
  .enum(['delivery', 'return'])
  .meta({ description: '`delivery`: from stock to the shop; `return`: from the shop back to stock' });
const Status = z.enum(['awaiting_confirmation', 'confirmed', 'confirmed_with_discrepancies']);

const handoverFields = {
  ...selectors,
  count: z
    .number()
    .int()
    .min(1)
    .max(MAX_SELECTION)
    .optional()
    .meta({ description: `Delivery: that many SIMs from stock, oldest first (at most ${most})` }),
  operator: Operator.optional().meta({ description: 'With count: only SIMs of this operator' }),
  shop_id: Id.meta({ description: 'Delivery: the shop receiving the SIMs; return: the shop bringing them back' }),
  allow_transfer: z.boolean().default(false).meta({ description: 'Delivery: also move SIMs that are at another shop' }),
  direction: Direction.default('delivery'),
};

export const HandoverPreviewBody = z
  .strictObject(handoverFields)
  .partial({ simcard_ids: true, iccids: true, range: true })
  .superRefine(exactlyOneSelector(['simcard_ids', 'iccids', 'range', 'count']))
  .refine((b) => b.operator === undefined || b.count !== undefined, { message: 'only with count', path: ['operator'] })
  .meta({ id: 'HandoverPreviewRequest' });

export const CreateHandoverBody = z
  .strictObject({ ...handoverFields, note: optionalText(1000).meta({ description: 'Free text printed on the sheet' }) })
  .partial({ simcard_ids: true, iccids: true, range: true })
  .superRefine(exactlyOneSelector(['simcard_ids', 'iccids', 'range', 'count']))
  .refine((b) => b.operator === undefined || b.count !== undefined, { message: 'only with count', path: ['operator'] })
  .meta({ id: 'CreateHandoverRequest' });

export const ReceiptBody = z
  .strictObject({
    iccids: z
      .array(Iccid)
      .max(MAX_SELECTION)
      .optional()
      .meta({ description: 'The ICCIDs that arrived (scanned or typed); listed ones not named are missing, others unexpected' }),
    all: z.literal(true).optional().meta({ description: 'Everything on the sheet arrived' }),
  })
  .superRefine(exactlyOneSelector(['iccids', 'all']))
  .meta({ id: 'HandoverReceiptRequest' });

export const HandoverListQuery = z.strictObject({
  ...pageQuery,
  shop_id: IdString.optional(),
  status: Status.optional(),
  direction: Direction.optional(),
  unconfirmed: booleanQuery.optional().meta({ description: 'true: only those awaiting confirmation, oldest first' }),
  discrepancies: booleanQuery.optional().meta({ description: 'true: only those confirmed with missing or unexpected SIMs' }),
});

export const PreviewSim = z
  .object({
    simcard_id: z.number().int(),
    iccid: z.string(),
    msisdn: z.string().nullable(),
    operator: z.string().nullable(),
    from_shop_id: z.number().int().nullable(),
  })
  .meta({ id: 'HandoverPreviewSimcard' });

export const HandoverPreview = z
  .object({
    would_move: z.number().int(),
    simcards: z.array(PreviewSim).meta({ description: 'The SIMs that would move, by ICCID' }),
    skipped: z.array(Skipped).meta({ description: 'Each SIM or ICCID that would not move, with the reason (a range gap is `not_found`)' }),
  })
  .meta({ id: 'HandoverPreview' });

const Summary = {
  id: z.number().int(),
  number: z.string(),
  direction: Direction,
  status: Status,
  shop_id: z.number().int().nullable(),
  shop_name: z.string(),
  note: z.string().nullable(),
  sim_count: z.number().int(),
  missing_count: z.number().int(),
  unexpected_count: z.number().int(),
  created_by: z.object({ id: z.number().int().nullable(), username: z.string() }),
  created_at: timestamp,
  confirmed_by: z.object({ id: z.number().int().nullable(), username: z.string() }).nullable(),
  confirmed_at: timestamp.nullable(),
  age_seconds: z.number().int().meta({ description: 'Seconds since it was created' }),
};

export const HandoverSummary = z.object(Summary).meta({ id: 'HandoverSummary' });

const Item = z
  .object({
    simcard_id: z.number().int().nullable(),
    iccid: z.string(),
    msisdn: z.string().nullable(),
    operator: z.string().nullable(),
    received: z.boolean().nullable().meta({ description: 'null until the receipt' }),
  })
  .meta({ id: 'HandoverSimcard' });

export const Handover = z
  .object({
    ...Summary,
    dealer: z.string().meta({ description: 'The dealer handing over (DEALER_NAME), for the printed sheet' }),
    simcards: z.array(Item).meta({ description: 'The SIMs handed over, by ICCID' }),
    missing: z.array(z.string()).meta({ description: 'After the receipt: listed ICCIDs that did not arrive' }),
    unexpected: z.array(z.object({ iccid: z.string(), simcard_id: z.number().int().nullable() })).meta({
      description:
        'After the receipt: ICCIDs that arrived but were not listed, each with the SIM we hold under it (null: none; to staff, also null for a SIM at another shop)',
    }),
  })
  .meta({ id: 'Handover' });

export const CreatedHandover = z.object({ ...Handover.shape, skipped: z.array(Skipped) }).meta({ id: 'CreatedHandover' });
