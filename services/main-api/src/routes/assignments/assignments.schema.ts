import { z } from 'zod';
import { Iccid, Id, Operator } from '../../schemas.js';
import { MAX_SELECTION } from '../../services/assignments.js';

const most = MAX_SELECTION.toLocaleString('en');

export const selectors = {
  simcard_ids: z
    .array(Id)
    .min(1)
    .max(MAX_SELECTION)
    .meta({ description: `SIM card ids (at most ${most})` }),
  iccids: z
    .array(Iccid)
    .min(1)
    .max(MAX_SELECTION)
    .meta({ description: `ICCIDs (at most ${most}); spaces and dashes are ignored` }),
  range: z
    .strictObject({ from: Iccid, to: Iccid })
    .refine((r) => r.from.length === r.to.length, { message: 'from and to must have the same number of digits', path: ['to'] })
    .refine((r) => r.from <= r.to, { message: 'must not be before from', path: ['to'] })
    .meta({ description: `Every SIM with an ICCID from \`from\` to \`to\` inclusive (same length; at most ${most} SIMs)` }),
};

/** Exactly one way of choosing SIMs; the error names the fields when there are none or several. */
export function exactlyOneSelector(keys: readonly string[]) {
  return (body: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const given = keys.filter((k) => body[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: given.length === 0 ? [] : [given[1]!],
        message: `give exactly one of ${keys.join(', ')}${given.length > 1 ? ` (got ${given.join(' and ')})` : ''}`,
      });
    }
  };
}

export const AssignBody = z
  .strictObject({
    ...selectors,
    count: z
      .number()
      .int()
      .min(1)
      .max(MAX_SELECTION)
      .optional()
      .meta({ description: `That many SIMs from stock, oldest first (at most ${most})` }),
    operator: Operator.optional().meta({ description: 'With count: only SIMs of this operator' }),
    shop_id: Id.meta({ description: 'The shop to give the SIMs to' }),
    allow_transfer: z.boolean().default(false).meta({ description: 'Also move SIMs that are at another shop (logged as transferred)' }),
  })
  .partial({ simcard_ids: true, iccids: true, range: true })
  .superRefine(exactlyOneSelector(['simcard_ids', 'iccids', 'range', 'count']))
  .refine((b) => b.operator === undefined || b.count !== undefined, { message: 'only with count', path: ['operator'] })
  .meta({ id: 'AssignRequest' });

export const UnassignBody = z
  .strictObject({
    ...selectors,
    shop_id: Id.optional().meta({ description: 'Only return SIMs of this shop; SIMs elsewhere are skipped' }),
  })
  .partial({ simcard_ids: true, iccids: true, range: true })
  .superRefine(exactlyOneSelector(['simcard_ids', 'iccids', 'range']))
  .meta({ id: 'UnassignRequest' });

export const Skipped = z
  .object({
    iccid: z.string().nullable(),
    simcard_id: z.number().int().nullable(),
    reason: z.enum(['not_found', 'sold', 'blocked', 'at_another_shop', 'already_at_shop', 'already_in_stock']),
    shop_id: z.number().int().optional().meta({ description: 'For at_another_shop: the shop the SIM is at' }),
  })
  .meta({ id: 'SkippedSimcard' });

export const AssignResult = z.object({ assigned: z.number().int(), skipped: z.array(Skipped) }).meta({ id: 'AssignResult' });
export const UnassignResult = z.object({ unassigned: z.number().int(), skipped: z.array(Skipped) }).meta({ id: 'UnassignResult' });
