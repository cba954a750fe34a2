import { z } from 'zod';

const at = z.string().meta({ description: 'ISO-8601 UTC' });
const who = { user_id: z.number().int().nullable(), username: z.string().nullable() };

export const HistoryEvent = z
  .discriminatedUnion('type', [
    z
      .object({ type: z.literal('imported'), at, batch_id: z.string().nullable() })
      .meta({ description: 'The SIM card was created (imported or added)' }),
    z.object({
      type: z.enum(['assigned', 'transferred', 'returned']),
      at,
      from_shop_id: z.number().int().nullable(),
      to_shop_id: z.number().int().nullable(),
      ...who,
    }),
    z.object({
      type: z.literal('edited'),
      at,
      changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
      ...who,
    }),
    z.object({
      type: z.literal('status_changed'),
      at,
      previous_status: z.string().nullable(),
      new_status: z.string().nullable(),
      source: z.string().meta({ description: 'manual, bulk or auto' }),
    }),
  ])
  .meta({ id: 'SimcardHistoryEvent' });

export const SimcardHistory = z
  .object({ simcard_id: z.number().int(), iccid: z.string(), events: z.array(HistoryEvent) })
  .meta({ id: 'SimcardHistory' });
