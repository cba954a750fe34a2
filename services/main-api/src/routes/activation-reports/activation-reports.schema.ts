import { z } from 'zod';
import { DISCREPANCY_KINDS } from '../../import/report-discrepancies.js';
import { Operator, pageQuery } from '../../schemas.js';

const trueFalse = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((v) => v === 'true');

export const ActivationReportQuery = z.strictObject({
  operator: Operator.optional().meta({ description: 'The report’s operator, when the file has no operator column' }),
  dry_run: trueFalse('false').meta({ description: 'Show the effects and discrepancies without writing anything' }),
  check_digit: z
    .enum(['present', 'absent'])
    .default('present')
    .meta({ description: 'absent: the file’s ICCIDs lack their Luhn check digit (18/19 digits); it is computed and appended' }),
  file_name: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .optional()
    .meta({ description: 'The file’s name, for the history (multipart uploads carry their own)' }),
});

const Kind = z.enum(DISCREPANCY_KINDS).meta({
  id: 'DiscrepancyKind',
  description:
    'unknown_iccid: not in our records; activated_in_stock: in our stock, never handed to a shop; sold_on_other_date: we have it sold on another day; ' +
    'other_msisdn: another number; other_operator: our record names another operator (not sold); activated_before_assignment: activated before it reached the shop; ' +
    'invalid_row: the row could not be read',
});

const CodeParams = z.record(z.string(), z.union([z.string(), z.number()]));

export const Discrepancy = z
  .object({
    line: z.number().int(),
    iccid: z.string().nullable(),
    kind: Kind,
    simcard_id: z.number().int().nullable(),
    reason: z.string().meta({ description: 'In English, for API clients; `code` and `params` say it for translation' }),
    code: z
      .string()
      .optional()
      .meta({
        description:
          'Stable, for clients that translate: iccid.unknown, simcard.in_stock, sale.other_day {ours, report}, msisdn.differs {ours, report}, ' +
          'operator.differs {ours, report}, operator.not_the_reports {ours?, report, row}, sale.before_assignment {activated_at, assigned_at}, ' +
          'iccid.repeated_in_file {first_line}, activated_at.missing, activated_at.not_date {value}, activated_at.not_calendar_date {value}, ' +
          'activated_at.future {value}, activated_at.before_min_year {value, min_year}; for a row the import’s rules refuse, their code ' +
          '(iccid.length {count}, price.not_whole, …; each field’s in `problems`). Absent in reports kept before codes were given: say those by `kind`',
      }),
    params: CodeParams.optional().meta({ description: 'What the code’s sentence fills in (present with `code`)' }),
    problems: z
      .array(z.object({ field: z.string().nullable(), reason: z.string(), code: z.string().optional(), params: CodeParams.optional() }))
      .optional()
      .meta({ description: 'A row the import’s rules refuse: each field’s problem, as an import lists it' }),
    report: z.record(z.string(), z.unknown()),
    ours: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'ActivationReportDiscrepancy' });

const Counts = z.record(z.string(), z.number().int());

export const ActivationReportSummary = z
  .object({
    id: z.number().int(),
    operator: z.string().nullable(),
    file_name: z.string().nullable(),
    format: z.string(),
    uploaded_by: z.string(),
    uploaded_at: z.string(),
    rows_total: z.number().int(),
    sold: z.number().int().meta({ description: 'SIMs the report sold (never sold before)' }),
    already_sold: z.number().int(),
    discrepancy_count: z.number().int(),
    counts: Counts,
  })
  .meta({ id: 'ActivationReport' });

export const ActivationReportAnswer = z
  .object({
    id: z.number().int().nullable().meta({ description: 'null for a dry run' }),
    dry_run: z.boolean(),
    operator: z.string().nullable(),
    file_name: z.string().nullable(),
    format: z.string(),
    uploaded_by: z.string(),
    uploaded_at: z.string(),
    rows_total: z.number().int(),
    sold: z.number().int(),
    already_sold: z.number().int(),
    discrepancy_count: z.number().int(),
    counts: Counts,
    discrepancies: z.array(Discrepancy).meta({ description: 'The first 1000; all are at GET /activation-reports/{id}/discrepancies' }),
    discrepancies_truncated: z.boolean(),
    warnings: z.array(z.object({ line: z.number().int(), iccid: z.string().nullable(), field: z.string().nullable(), reason: z.string() })),
  })
  .meta({ id: 'ActivationReportAnswer' });

export const ActivationReportListQuery = z.strictObject({ ...pageQuery });

export const DiscrepancyListQuery = z.strictObject({
  ...pageQuery,
  kind: Kind.optional(),
  format: z.enum(['json', 'csv']).default('json').meta({ description: 'csv: every discrepancy (the page ignored), as a file' }),
});
