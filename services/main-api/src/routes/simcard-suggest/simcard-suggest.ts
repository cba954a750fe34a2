import type { ApiRouter } from '@simcard/common';
import { z } from 'zod';
import type { IccidSuggestService } from '../../services/iccid-suggest.js';

const SuggestQuery = z.strictObject({
  iccid: z.string().trim().min(1).max(40).meta({ description: 'An ICCID as typed (spaces and dashes are ignored)' }),
});

const SuggestAnswer = z
  .object({
    iccid: z.string().meta({ description: 'The input as digits' }),
    valid: z.boolean(),
    problem: z.enum(['not_digits', 'length', 'prefix', 'check_digit']).nullable().meta({ description: 'Why it is not a valid ICCID' }),
    expected_check_digit: z.number().int().nullable().meta({ description: 'For a wrong check digit: the digit the others call for' }),
    found: z.object({ id: z.number().int(), iccid: z.string() }).nullable().meta({ description: 'The SIM with exactly this ICCID' }),
    suggestions: z
      .array(
        z.object({ id: z.number().int(), iccid: z.string(), change: z.enum(['digit', 'transposition', 'missing_digit', 'extra_digit']) }),
      )
      .meta({
        description: 'Valid ICCIDs we hold one slip away (a digit changed, neighbours swapped, a digit missing or extra), at most 10',
      }),
  })
  .meta({ id: 'IccidSuggestions' });

/** Must be registered before `simcardRoutes`, whose `/simcards/{id}` would read `suggest` as an id. */
export function simcardSuggestRoutes(api: ApiRouter, suggest: IccidSuggestService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/simcards/suggest',
      tag: 'SIM cards',
      summary: 'Check a typed ICCID and suggest the nearest valid ICCIDs we hold (staff: their shop only)',
      access: 'user',
      query: SuggestQuery,
      responses: { 200: { description: 'What is wrong with it, and the SIMs it probably means', schema: SuggestAnswer } },
    },
    async (ctx, { query, principal }) => {
      ctx.body = await suggest.suggest(principal, query.iccid);
    },
  );
}
