import { z } from 'zod';
import { booleanQuery } from '../../schemas.js';
import { LANGUAGES } from '../../services/people-labels.js';
import { SimcardListQuery } from '../simcards/simcards.schema.js';

/** The list's filters (not its paging or sorting: an export is every match, in id order) and a format. */
export const SimcardExportQuery = SimcardListQuery.omit({ limit: true, offset: true, sort: true }).extend({
  format: z.enum(['csv', 'xlsx']).default('csv').meta({ description: 'csv (UTF-8 with BOM) or xlsx' }),
  // For people unless raw=true (export-people.ts).
  lang: z.enum(LANGUAGES).optional().meta({ description: "Headers and status names in uz, ru or en; default: the user's language" }),
  raw: booleanQuery.default(false).meta({
    description: 'true: the API dump for integrations (field names, codes, ISO UTC dates, commas); lang and delimiter do not apply',
  }),
  delimiter: z
    .enum(['comma', 'semicolon', 'tab'])
    .optional()
    .meta({ description: 'CSV separator; default semicolon for uz and ru, comma for en' }),
});
