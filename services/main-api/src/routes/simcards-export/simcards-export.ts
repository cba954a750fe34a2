import type { ApiRouter } from '@simcard/common';
import { z } from 'zod';
import type { ExportService } from '../../services/export.js';
import { SimcardExportQuery } from './simcards-export.schema.js';

const DELIMITERS = { comma: ',', semicolon: ';', tab: '\t' } as const;

/** Register before `GET /simcards/{id}`, or `export` is taken for an id. */
export function simcardExportRoutes(api: ApiRouter, exporter: ExportService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/simcards/export',
      tag: 'SIM cards',
      summary: 'Download SIM cards as CSV or XLSX, with the list filters (staff: their shop only)',
      description:
        'Every SIM matching the filters, in id order, streamed (any number of rows). Columns: the SIM card fields plus shop_code and shop_name. ' +
        'In CSV, free text starting with = + - @ is prefixed with an apostrophe so that spreadsheets do not run it as a formula.',
      access: 'user',
      query: SimcardExportQuery,
      responses: {
        200: { description: 'The file (text/csv or the XLSX type), as an attachment', schema: z.string(), contentType: 'text/csv' },
      },
    },
    async (ctx, { query: { format, lang, raw, delimiter, ...filter }, principal }) => {
      const people = raw
        ? undefined
        : { lang: await exporter.language(principal, lang), ...(delimiter ? { delimiter: DELIMITERS[delimiter] } : {}) };
      const download = exporter.export(principal, filter, format, people);
      ctx.set('Content-Type', download.contentType);
      ctx.attachment(download.filename);
      // No caching of another user's (or shop's) data by a proxy.
      ctx.set('Cache-Control', 'no-store');
      ctx.body = download.body;
    },
  );
}
