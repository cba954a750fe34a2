import { type ApiRouter, excelCsvFile, HttpError } from '@simcard/common';
import { fileDetail } from '../../import/file-errors.js';
import { presentDiscrepancyRow, presentReport } from '../../presenters/activation-reports.js';
import { presentPage } from '../../presenters/core.js';
import { IdParams, listOf } from '../../schemas.js';
import type { ActivationReportsService } from '../../services/activation-reports.js';
import type { Idempotency } from '../../services/idempotency.js';
import { answerUpload } from '../imports/answer-upload.js';
import { bodyKind } from '../imports/request-source.js';
import {
  ActivationReportAnswer,
  ActivationReportListQuery,
  ActivationReportQuery,
  ActivationReportSummary,
  Discrepancy,
  DiscrepancyListQuery,
} from './activation-reports.schema.js';

const IDEMPOTENCY_ROUTE = 'POST /activation-reports';
const CSV_PAGE = 500;

export function activationReportRoutes(api: ApiRouter, reports: ActivationReportsService, idempotency: Idempotency): void {
  api.endpoint(
    {
      method: 'post',
      path: '/activation-reports',
      tag: 'Activation reports',
      summary:
        'Bring in an operator’s activation report (CSV or XLSX): its SIMs become sold on the report’s dates, and the discrepancies are listed',
      description: [
        'Columns: ICCID and activation date (`30.11.2026`, `30.11.2026 14:05`, ISO; without a zone in the dealer’s TIME_ZONE), and where present MSISDN,',
        'tariff, amount and operator (else `?operator=`). Uzbek and Russian headers, encodings and separators as the SIM import. A SIM never sold becomes',
        'sold (source `report`), credited and announced once; a SIM already sold is not sold or announced again. Send `Idempotency-Key` to make retries safe.',
        'A row whose operator column contradicts `?operator=` is listed as `other_operator`, not sold; a date before 2000 is an invalid row.',
        'An XLSX date cell is read in the workbook’s date system (1900, or the 1904 system of Mac Excel’s option) as Excel shows it.',
        'Each discrepancy carries a stable `code` and its `params` beside the English `reason`, for clients that translate.',
      ].join(' '),
      access: 'admin',
      query: ActivationReportQuery,
      bodyKind: 'raw',
      rawBodyContent: {
        'text/csv': { schema: { type: 'string' as const } },
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string' as const, format: 'binary' } },
        'multipart/form-data': {
          schema: { type: 'object' as const, properties: { file: { type: 'string' as const, format: 'binary' } }, required: ['file'] },
        },
      },
      responses: {
        200: { description: 'What the report did (dry run: would do) and its discrepancies', schema: ActivationReportAnswer },
        400: {
          description:
            'The file is not a report that can be read (no ICCID or activation date column, no rows, a broken file), or `operator` names an operator none of our SIMs has',
        },
        409: { description: 'A request with the same Idempotency-Key is still running' },
        413: { description: 'The body is over the size limit, or it was not read within the import’s deadline' },
        415: { description: 'Unsupported Content-Type or Content-Encoding, or a JSON body (a report is a file)' },
        422: { description: 'An Idempotency-Key reused for another request' },
      },
    },
    async (ctx, { query, principal }) => {
      // A report is a file: a JSON body is refused before it is read (as an unsupported type, which the web app says).
      if (bodyKind(ctx.get('content-type')) === 'json') {
        const message = 'An activation report is a CSV or XLSX file (text/csv, XLSX, or a multipart/form-data upload)';
        throw new HttpError(415, 'unsupported_media_type', message, [
          fileDetail('file.unsupported_type', message, { type: 'application/json' }),
        ]);
      }
      const upload = {
        userId: principal.userId,
        route: IDEMPOTENCY_ROUTE,
        dryRun: query.dry_run,
        fileName: query.file_name ?? null,
        raw: true,
      };
      await answerUpload(ctx, idempotency, upload, ({ source }, claim) =>
        reports.bringIn(principal, source, {
          operator: query.operator ?? null,
          dryRun: query.dry_run,
          checkDigitAbsent: query.check_digit === 'absent',
          idempotencyClaim: claim,
        }),
      );
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/activation-reports',
      tag: 'Activation reports',
      summary: 'Activation reports brought in, newest first: who, when, what they did',
      access: 'admin',
      query: ActivationReportListQuery,
      responses: { 200: { description: 'A page of reports', schema: listOf(ActivationReportSummary, 'ActivationReportList') } },
    },
    async (ctx, { query }) => {
      ctx.body = presentPage(await reports.list(query), query, presentReport);
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/activation-reports/{id}',
      tag: 'Activation reports',
      summary: 'One activation report with its figures',
      access: 'admin',
      params: IdParams,
      responses: { 200: { description: 'The report', schema: ActivationReportSummary } },
    },
    async (ctx, { params }) => {
      ctx.body = presentReport(await reports.get(params.id));
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/activation-reports/{id}/discrepancies',
      tag: 'Activation reports',
      summary: 'The discrepancies of a report, paginated, or all of them as CSV (`?format=csv`)',
      access: 'admin',
      params: IdParams,
      query: DiscrepancyListQuery,
      responses: {
        200: { description: 'A page of discrepancies (or the CSV file)', schema: listOf(Discrepancy, 'ActivationReportDiscrepancyList') },
      },
    },
    async (ctx, { params, query }) => {
      const { format, kind, ...page } = query;
      if (format === 'json') {
        ctx.body = presentPage(await reports.discrepancies(params.id, page, kind), page, presentDiscrepancyRow);
        return;
      }
      const lines: unknown[][] = [
        ['line', 'iccid', 'kind', 'reason', 'report_activated_at', 'report_msisdn', 'our_status', 'our_msisdn', 'our_sold_at'],
      ];
      for (let offset = 0; ; offset += CSV_PAGE) {
        const { rows } = await reports.discrepancies(params.id, { limit: CSV_PAGE, offset }, kind);
        for (const d of rows.map(presentDiscrepancyRow)) {
          lines.push([
            d.line,
            d.iccid,
            d.kind,
            d.reason,
            d.report.activated_at,
            d.report.msisdn,
            d.ours?.status,
            d.ours?.msisdn,
            d.ours?.sold_at,
          ]);
        }
        if (rows.length < CSV_PAGE) break;
      }
      ctx.set('Content-Type', 'text/csv; charset=utf-8');
      ctx.attachment(`activation-report-${params.id}-discrepancies.csv`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = excelCsvFile(lines);
    },
  );
}
