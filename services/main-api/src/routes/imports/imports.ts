import type { ApiRouter } from '@simcard/common';
import { ValidationError } from '@simcard/common';
import { sweepSpool } from '../../import/spool.js';
import { presentPage } from '../../presenters/core.js';
import { presentImport, presentImportSummary } from '../../presenters/imports.js';
import { IdParams, listOf } from '../../schemas.js';
import type { Idempotency } from '../../services/idempotency.js';
import type { ImportsService } from '../../services/imports.js';
import { answerUpload } from './answer-upload.js';
import { ImportDetail, ImportListQuery, ImportQuery, ImportReport, ImportSummary, JsonImportBody } from './imports.schema.js';
import { MAX_IMPORT_BYTES, MAX_JSON_IMPORT_BYTES } from './limits.js';

const IMPORT_PATH = '/simcards/bulk';
const IDEMPOTENCY_ROUTE = 'POST /simcards/bulk';

const MB = 1024 * 1024;

export function importRoutes(api: ApiRouter, imports: ImportsService, idempotency: Idempotency): void {
  // Uploads left behind by a process that died mid-import (kill -9, a crash) are removed at start.
  void sweepSpool().catch(() => {});
  api.endpoint(
    {
      method: 'post',
      path: IMPORT_PATH,
      tag: 'Imports',
      summary: 'Import SIM cards from JSON, CSV, a pasted ICCID list, or an uploaded CSV/XLSX file',
      description: [
        'Body, by Content-Type: `application/json` `{rows:[{iccid, msisdn?, operator?, tariff?, price?}], shop_id?}`;',
        '`text/csv` (comma or semicolon, UTF-8 with or without BOM, or Windows-1251); `text/plain` (one ICCID per line);',
        'XLSX; or `multipart/form-data` with one CSV/XLSX file. Header names are matched case-insensitively with Uzbek and Russian',
        'aliases (ICCID raqami, Номер ICCID, telefon raqami, номер, оператор, тариф/tarif, цена/narx). A file without a header is read as',
        `iccid, msisdn, operator, tariff, price. Files up to ${MAX_IMPORT_BYTES / MB} MB (JSON ${MAX_JSON_IMPORT_BYTES / MB} MB), gzip accepted.`,
        'One transaction: all of it or none of it. Send `Idempotency-Key` to make retries safe (the first answer is replayed).',
      ].join(' '),
      access: 'admin',
      query: ImportQuery,
      // The handler reads the body itself: any of several formats, streamed to disk, with its own limits.
      bodyKind: 'raw',
      rawBodyContent: importBodyContent(),
      responses: {
        200: { description: 'The report (dry run: what would happen)', schema: ImportReport },
        409: { description: 'A request with the same Idempotency-Key is still running' },
        413: { description: 'The body is over the size limit' },
        415: { description: 'Unsupported Content-Type or Content-Encoding' },
        422: {
          description:
            'strict mode and some rows are invalid (the report, and nothing inserted); or an Idempotency-Key reused for another request',
          schema: ImportReport,
        },
        503: { description: 'SQLite: another long write held the database past its busy timeout; retry after Retry-After' },
      },
    },
    async (ctx, { query, principal }) => {
      const upload = {
        userId: principal.userId,
        route: IDEMPOTENCY_ROUTE,
        dryRun: query.dry_run,
        fileName: query.file_name ?? null,
        // importBatch stores its answer with the key's claim in its one transaction (see Idempotency.onceWith).
        claimInTransaction: true as const,
      };
      await answerUpload(ctx, idempotency, upload, ({ source, jsonShopId }, claim) => {
        if (query.shop_id !== undefined && jsonShopId !== null && query.shop_id !== jsonShopId) {
          throw ValidationError.field('shop_id', 'given in the query and the body with different values');
        }
        return imports.importBatch(principal, source, {
          mode: query.mode,
          dryRun: query.dry_run,
          checkDigitAbsent: query.check_digit === 'absent',
          shopId: query.shop_id ?? jsonShopId,
          idempotencyClaim: claim,
        });
      });
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/imports',
      tag: 'Imports',
      summary: 'Import history, newest first: who imported what, when, from which file',
      access: 'admin',
      query: ImportListQuery,
      responses: { 200: { description: 'A page of imports', schema: listOf(ImportSummary, 'ImportList') } },
    },
    async (ctx, { query }) => {
      ctx.body = presentPage(await imports.list(query), query, presentImportSummary);
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/imports/{id}',
      tag: 'Imports',
      summary: 'One import with its report',
      access: 'admin',
      params: IdParams,
      responses: { 200: { description: 'The import', schema: ImportDetail } },
    },
    async (ctx, { params }) => {
      ctx.body = presentImport(await imports.get(params.id));
    },
  );
}

/** The content types the import's handler reads (see request-source.ts), for /openapi.json. */
function importBodyContent() {
  const text = { schema: { type: 'string' as const } };
  return {
    'application/json': { schema: JsonImportBody },
    'text/csv': text,
    'text/plain': text,
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string' as const, format: 'binary' } },
    'multipart/form-data': {
      schema: { type: 'object' as const, properties: { file: { type: 'string' as const, format: 'binary' } }, required: ['file'] },
    },
  };
}
