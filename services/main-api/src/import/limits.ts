/**
 * What an upload may cost to read, whatever it claims. Every upload is read to its end under
 * these limits before the import's transaction opens; past one, the answer is 413 (or 400 for a
 * file that is broken rather than big) within seconds, and memory stays bounded.
 *
 * Sizes: the largest real import is a few hundred thousand SIMs. A 1,000,000-row XLSX of
 * ICCID + phone + operator + tariff + price is ~120 MB of sheet XML and ~70 MB of shared strings
 * (when the writer uses them): the caps leave room for that and refuse the bombs (1.5 GB of
 * shared strings in a 3 MB file; 5 million rows in 25 MB).
 */
export interface ParseLimits {
  /** Wall-clock time to read and validate the whole upload. */
  deadlineMs: number;
  /** Data rows of an XLSX sheet (CSV is bounded by its 200 MB file size). */
  maxXlsxRows: number;
  /** Columns of an XLSX sheet: a cell further right is refused. */
  maxXlsxColumns: number;
  /** Uncompressed size of the worksheet part. */
  maxSheetBytes: number;
  /** Uncompressed size of the shared-strings part, and how many strings it may hold. */
  maxSharedStringsBytes: number;
  maxSharedStrings: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  deadlineMs: 120_000,
  maxXlsxRows: 1_000_000,
  maxXlsxColumns: 256,
  maxSheetBytes: 512 * 1024 * 1024,
  maxSharedStringsBytes: 128 * 1024 * 1024,
  maxSharedStrings: 2_000_000,
};

/** Excel's own limit on a cell's text; longer text is not a SIM's and is cut there. */
export const MAX_CELL_CHARS = 32_767;
