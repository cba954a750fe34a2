/** POST /simcards/lookup: which ICCIDs we hold. A POST only because 10,000 ICCIDs do not fit a URL; read API keys may call it. */
import type { ApiRouter } from '@simcard/common';
import { z } from 'zod';
import { type LookupService, MAX_LOOKUP } from '../../services/lookup.js';

export const LookupBody = z.strictObject({
  iccids: z
    .array(z.string().max(64))
    .min(1)
    .max(MAX_LOOKUP)
    .meta({ description: `Up to ${MAX_LOOKUP.toLocaleString('en')} ICCIDs (spaces and dashes are dropped)` }),
});

const status = z.enum(['in_stock', 'assigned', 'sold', 'blocked']);
export const LookupResponse = z
  .object({
    held: z.array(
      z.object({
        iccid: z.string(),
        simcard_id: z.number().int(),
        status,
        shop_id: z.number().int().nullable(),
        shop_code: z.string().nullable(),
        shop_name: z.string().nullable(),
      }),
    ),
    not_held: z.array(z.string()).meta({ description: 'Valid ICCIDs we do not have' }),
    invalid: z
      .array(z.object({ input: z.string(), reason: z.string() }))
      .meta({ description: 'Inputs that are not ICCIDs (the Luhn digit, the length, ...)' }),
  })
  .meta({ id: 'SimcardLookup' });

export function lookupRoutes(api: ApiRouter, lookup: LookupService): void {
  api.endpoint(
    {
      method: 'post',
      path: '/simcards/lookup',
      tag: 'SIM cards',
      summary: 'Which of these ICCIDs we hold, with status and shop; which we do not',
      description: 'Admins and API keys; the one POST a read-only API key may make (it changes nothing).',
      access: 'admin',
      body: LookupBody,
      responses: { 200: { description: 'Held, not held, invalid', schema: LookupResponse } },
    },
    async (ctx, { body }) => {
      const r = await lookup.lookup(body.iccids);
      ctx.body = {
        held: r.held.map((h) => ({
          iccid: h.iccid,
          simcard_id: Number(h.id),
          status: h.status,
          shop_id: h.shop_id === null ? null : Number(h.shop_id),
          shop_code: h.shop_code,
          shop_name: h.shop_name,
        })),
        not_held: r.not_held,
        invalid: r.invalid,
      } satisfies z.infer<typeof LookupResponse>;
    },
  );
}
