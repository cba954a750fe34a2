/** What every format's parser yields: one row of the uploaded file, by field, with its line. */
export const IMPORT_FIELDS = ['iccid', 'msisdn', 'operator', 'tariff', 'price'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** A cell as the file held it: text, or a number when a spreadsheet (or JSON) stored one. */
export type CellValue = string | number | null;

export interface SourceRow {
  /** The line (CSV, text), row (XLSX) or 1-based position in `rows` (JSON) the person can find it at. */
  line: number;
  cells: Partial<Record<ImportField, CellValue>>;
  /** With the parsers' `raw` option: every cell as read, header not resolved (activation reports map their own columns). */
  raw?: CellValue[];
  /**
   * With `raw`, from an XLSX workbook in Excel's 1904 date system (a Mac Excel option,
   * `<workbookPr date1904="1"/>`): its date cells count days from 1904-01-01, not 1899-12-30.
   * Absent otherwise. The SIM import reads no date cell; activation reports do.
   */
  date1904?: true;
}

/** A problem the report lists: a rejected row's field, or a warning (line 1 and no ICCID for the file itself). */
export interface Problem {
  line: number;
  iccid: string | null;
  field: string | null;
  /** In English, for API clients. */
  reason: string;
  /** Stable, for clients that translate (`iccid.check_digit`, `price.not_whole`, …); with `params` to fill in. */
  code?: string;
  params?: Record<string, string | number>;
}

/** File-level notes found while parsing (an ignored column, ...), for the report's warnings. */
export type WarnFn = (problem: Problem) => void;
