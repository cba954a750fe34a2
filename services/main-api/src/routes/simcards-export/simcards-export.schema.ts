import { z } from 'zod';
import { SimcardListQuery } from '../simcards/simcards.schema.js';

/** The list's filters (not its paging or sorting: an export is every match, in id order) and a format. */
export const SimcardExportQuery = SimcardListQuery.omit({ limit: true, offset: true, sort: true }).extend({
  format: z.enum(['csv', 'xlsx']).default('csv').meta({ description: 'csv (UTF-8 with BOM, comma-separated) or xlsx' }),
});
