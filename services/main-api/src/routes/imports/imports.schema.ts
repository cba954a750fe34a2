import { z } from 'zod';
import { Id, IdString, pageQuery } from '../../schemas.js';
import { MAX_JSON_ROWS } from './limits.js';

const trueFalse = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((v) => v === 'true');

export const ImportQuery = z.strictObject({
  mode: z
    .enum(['partial', 'strict'])
    .default('partial')
    .meta({ description: 'partial: insert the valid rows; strict: insert nothing unless every row is valid (else 422)' }),
  dry_run: trueFalse('false').meta({ description: 'Validate and report without writing anything' }),
  check_digit: z
    .enum(['present', 'absent'])
    .default('present')
    .meta({ description: 'absent: the file’s ICCIDs lack their Luhn check digit (18/19 digits); it is computed and appended' }),
  shop_id: IdString.optional().meta({ description: 'Import straight into this shop (the SIMs become assigned)' }),
  file_name: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .optional()
    .meta({ description: 'The file’s name, for the history (multipart uploads carry their own)' }),
});

export const JsonImportBody = z
  .strictObject({
    rows: z
      .array(z.record(z.string(), z.unknown()))
      .max(MAX_JSON_ROWS, `at most ${MAX_JSON_ROWS} rows per JSON import (upload a CSV for more)`),
    shop_id: Id.optional(),
  })
  .meta({
    id: 'JsonImportRequest',
    description:
      'Rows of {iccid, msisdn?, operator?, tariff?, price?}; keys are matched like CSV headers. A row’s `line` in the report is its 1-based position.',
  });

export const ImportProblem = z
  .object({
    line: z.number().int().meta({ description: 'Line of the uploaded file (header = line 1); XLSX: row number; JSON: position in rows' }),
    iccid: z.string().nullable(),
    field: z.string().nullable(),
    reason: z.string().meta({ description: 'In English' }),
    code: z.string().optional().meta({ description: 'Stable, for translation (e.g. iccid.check_digit, price.not_whole, msisdn.taken)' }),
    params: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .optional()
      .meta({
        description:
          'Values the translated sentence names (e.g. { expected: 5 }); `hint: no_check_digit` adds the advice to tick "The ICCIDs lack their check digit"',
      }),
  })
  .meta({ id: 'ImportProblem' });

const counts = {
  received: z.number().int(),
  inserted: z.number().int(),
  skipped_existing: z.number().int().meta({ description: 'ICCIDs already in the database before this import' }),
  duplicates_in_file: z.number().int().meta({ description: 'Repeats of an ICCID earlier in the same file' }),
  invalid_rows: z.number().int(),
  warning_count: z.number().int(),
};

export const ImportReport = z
  .object({
    import_id: z.number().int().nullable().meta({ description: 'Null for a dry run' }),
    batch_id: z
      .string()
      .nullable()
      .meta({ description: 'simcards.batch_id of the inserted SIMs (`import-<id>`); null for a dry run or a refused import' }),
    dry_run: z.boolean(),
    mode: z.enum(['partial', 'strict']),
    ...counts,
    invalid_count: z.number().int().meta({ description: 'Entries of invalid in all (the list holds the first 1000)' }),
    invalid: z.array(ImportProblem),
    warnings: z
      .array(ImportProblem)
      .meta({ description: 'Imported anyway: e.g. a phone number in another operator’s range (numbers can be ported)' }),
  })
  .meta({ id: 'ImportReport' });

export const ImportSummary = z
  .object({
    id: z.number().int(),
    batch_id: z.string().nullable(),
    status: z.enum(['completed', 'rejected']),
    user: z.object({ id: z.number().int().nullable(), username: z.string() }),
    file_name: z.string().nullable(),
    format: z.enum(['json', 'csv', 'xlsx', 'text']),
    mode: z.enum(['partial', 'strict']),
    check_digit_absent: z.boolean(),
    shop_id: z.number().int().nullable(),
    size_bytes: z.number().int(),
    ...counts,
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .meta({ id: 'ImportSummary' });

export const ImportDetail = ImportSummary.extend({ report: ImportReport.omit({ import_id: true }) }).meta({ id: 'Import' });

export const ImportListQuery = z.strictObject({ ...pageQuery });
