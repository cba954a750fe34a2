import { CheckResultView, CheckRunView, CheckScheduleView } from '@simcard/common';
import { z } from 'zod';
import { Simcard } from '../../presenters/core.js';
import { listOf, pageQuery } from '../../schemas.js';

export const CheckStatusResponse = z.object({ simcard: Simcard, check: CheckResultView }).meta({ id: 'CheckStatusResponse' });

export const AutoCheckBody = z
  .strictObject({
    include_sold: z.boolean().default(false).meta({ description: 'Also check sold and blocked SIMs' }),
    operators: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9_-]{1,31}$/, 'must be an operator slug (beeline, ucell, …)'))
      .max(100)
      .optional()
      .meta({
        description:
          "Only these operators' SIMs (slugs); absent or empty = every operator. An operator without a provider is refused (400 unknown_operator)",
      }),
  })
  .meta({ id: 'AutoCheckRequest' });

export const CheckRunList = listOf(CheckRunView, 'CheckRunList');

export const CheckRunListQuery = z.strictObject(pageQuery);

export const RunOperators = z
  .object({
    operators: z.array(z.string()).meta({
      description: 'The operators with a provider of their own, in name order; empty when one provider serves every SIM',
    }),
    schedules: z.array(CheckScheduleView).meta({
      description:
        'The scheduled auto-checks (AUTO_CHECK_INTERVAL_MIN, PROVIDER_<OP>_AUTO_CHECK_INTERVAL_MIN) and when each is next due; empty when nothing is scheduled',
    }),
  })
  .meta({ id: 'RunOperators' });
