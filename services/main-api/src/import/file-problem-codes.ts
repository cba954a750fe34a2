/**
 * The codes of what can be wrong with an uploaded file as a whole (file-errors.ts): on the
 * import error's `file` detail, with its `params`. No imports: the web app's tests check that
 * each has a sentence in uz, ru and en.
 */
export const FILE_PROBLEM_CODES = [
  /** The upload ended before the file did (cut download, interrupted upload). */
  'file.truncated',
  /** A damaged zip (XLSX) archive. */
  'file.corrupt',
  /** A zip archive that is not an Excel workbook, or a workbook without a sheet. */
  'file.not_workbook',
  'file.encrypted',
  /** The workbook's XML is broken, or a cell points at a text the file does not hold. */
  'file.xlsx_malformed',
  /** Old Excel `.xls`. */
  'file.xls',
  /** An XLSX sent as CSV/text. */
  'file.xlsx_as_text',
  /** `{ offset }`: the byte where the text stopped being UTF-8. */
  'file.not_utf8',
  /** `{ line }` */
  'file.csv_unclosed_quote',
  /** `{ line, max }` */
  'file.csv_record_too_long',
  'file.multipart_cut',
  'file.multipart_malformed',
  'file.missing',
  'file.gzip_invalid',
  /** `{ ratio }` */
  'file.gzip_bomb',
  /** The request body stopped before its end. */
  'file.cut_short',
  'file.unsupported_type',
  'file.unsupported_encoding',
  /** `{ limit_mb }` */
  'file.too_large',
  /** `{ limit_mb }`: a part of the workbook inflates past its cap (an XLSX bomb). */
  'file.xlsx_too_large',
  /** A zip64 archive: over 4 GB or 65,535 members, far over every limit. */
  'file.zip64',
  /** `{ max }` */
  'file.too_many_texts',
  /** `{ max }` */
  'file.too_many_rows',
  /** `{ max }` */
  'file.too_many_columns',
  /** `{ found }`: the header's first names. */
  'file.no_iccid_column',
  /** `{ column }`: the field two columns are. */
  'file.duplicate_column',
  /** `{ found }`: an activation report's header has no activation date column (its first names). */
  'file.no_date_column',
] as const;

export type FileProblemCode = (typeof FILE_PROBLEM_CODES)[number];
