import { CheckResultView, IccidField as Iccid } from '@simcard/common';
import { z } from 'zod';
import { SimcardStatusView } from '../../presenters.js';

export const MAX_ICCIDS_PER_REQUEST = 500;

export const IccidParams = z.strictObject({ iccid: Iccid });

export const CheckManyBody = z
  .strictObject({
    iccids: z
      .array(Iccid)
      .min(1)
      .max(MAX_ICCIDS_PER_REQUEST)
      .meta({ description: `1 to ${MAX_ICCIDS_PER_REQUEST} ICCIDs` }),
  })
  .meta({ id: 'CheckManyRequest' });

export const CheckOneResponse = z.object({ simcard: SimcardStatusView, check: CheckResultView }).meta({ id: 'CheckOneResponse' });

export const CheckManyResponse = z
  .object({
    results: z.array(
      z.object({
        iccid: z.string(),
        simcard: SimcardStatusView.nullable(),
        check: CheckResultView.nullable(),
        error: z.object({ code: z.string(), message: z.string() }).nullable(),
      }),
    ),
    checked: z.number().int(),
    changed: z.number().int(),
    failed: z.number().int(),
  })
  .meta({ id: 'CheckManyResponse' });
