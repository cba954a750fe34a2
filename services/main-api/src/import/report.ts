/**
 * The import report, built as rows stream by. Its lists are capped so a million bad rows cannot
 * make a million-entry answer (or fill memory); the counts stay exact.
 */
import type { Problem } from './source-row.js';

export const MAX_LISTED_PROBLEMS = 1000;

export interface ImportReport {
  batch_id: string | null;
  dry_run: boolean;
  mode: 'partial' | 'strict';
  received: number;
  inserted: number;
  skipped_existing: number;
  duplicates_in_file: number;
  /** Rows refused; a row can have several entries in `invalid` (one per bad field). */
  invalid_rows: number;
  invalid_count: number;
  invalid: Problem[];
  warning_count: number;
  warnings: Problem[];
}

export class ReportBuilder {
  received = 0;
  inserted = 0;
  skippedExisting = 0;
  duplicatesInFile = 0;
  invalidRows = 0;
  /** Rows whose ICCID looked like it lacked its check digit: they earn one hint in the warnings. */
  checkDigitSuspects = 0;
  private readonly invalid: Problem[] = [];
  private invalidCount = 0;
  private readonly warnings: Problem[] = [];
  private warningCount = 0;

  rejectRow(problems: Problem[]): void {
    this.invalidRows++;
    for (const p of problems) {
      this.invalidCount++;
      if (this.invalid.length < MAX_LISTED_PROBLEMS) this.invalid.push(p);
    }
  }

  /** `count` rows refused for one problem each, of which `listed` are the first (in line order). */
  rejectRows(count: number, listed: Problem[]): void {
    this.invalidRows += count;
    this.invalidCount += count;
    for (const p of listed) {
      if (this.invalid.length >= MAX_LISTED_PROBLEMS) break;
      this.invalid.push(p);
    }
  }

  warn(problem: Problem): void {
    this.warningCount++;
    if (this.warnings.length < MAX_LISTED_PROBLEMS) this.warnings.push(problem);
  }

  build(fields: { batchId: string | null; dryRun: boolean; mode: 'partial' | 'strict' }): ImportReport {
    const warnings = [...this.warnings];
    let warningCount = this.warningCount;
    const truncated = (n: number) => n > MAX_LISTED_PROBLEMS;
    if (truncated(this.invalidCount) || truncated(this.warningCount)) {
      warnings.push({
        line: 1,
        iccid: null,
        field: null,
        reason: `only the first ${MAX_LISTED_PROBLEMS} problems of each kind are listed; the counts are complete`,
        code: 'import.list_truncated',
        params: { max: MAX_LISTED_PROBLEMS },
      });
      warningCount++;
    }
    return {
      batch_id: fields.batchId,
      dry_run: fields.dryRun,
      mode: fields.mode,
      received: this.received,
      inserted: this.inserted,
      skipped_existing: this.skippedExisting,
      duplicates_in_file: this.duplicatesInFile,
      invalid_rows: this.invalidRows,
      invalid_count: this.invalidCount,
      // Rows refused while parsing and those the database refused come in two passes: by line here.
      invalid: [...this.invalid].sort((a, b) => a.line - b.line),
      warning_count: warningCount,
      warnings,
    };
  }
}
