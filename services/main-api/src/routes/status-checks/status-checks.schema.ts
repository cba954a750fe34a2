import { CheckResultView, CheckRunView } from '@simcard/common';
import { z } from 'zod';
import { Simcard } from '../../presenters.js';
import { listOf, pageQuery } from '../../schemas.js';

export const CheckStatusResponse = z.object({ simcard: Simcard, check: CheckResultView }).meta({ id: 'CheckStatusResponse' });

export const AutoCheckBody = z
  .strictObject({
    include_sold: z.boolean().default(false).meta({ description: 'Also check sold and blocked SIMs' }),
  })
  .meta({ id: 'AutoCheckRequest' });

export const CheckRunList = listOf(CheckRunView, 'CheckRunList');

export const CheckRunListQuery = z.strictObject(pageQuery);
