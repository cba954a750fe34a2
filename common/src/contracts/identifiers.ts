/** Request fields for the identifiers both services take: one definition of how an ICCID is read. */
import { z } from 'zod';
import { parseIccid } from '../identifiers.js';

/** An ICCID as a request gives it: normalized (spaces and dashes dropped), or a 400 naming the reason. */
export const IccidField = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const r = parseIccid(value);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.reason, params: { code: r.code, params: r.params } });
      return z.NEVER;
    }
    return r.value;
  })
  .meta({
    description: 'ICCID: 19-20 digits starting with 89, Luhn check digit last; spaces and dashes are ignored',
    example: '8999801000000000014',
  });
