/**
 * A CSV for people, the way a Russian or Uzbek Excel opens it: `;` between fields (Excel in those
 * locales splits on `;`, a comma file opens as one column), each line ended by CRLF, a UTF-8 BOM
 * first (Excel reads UTF-8 only after it), and text a spreadsheet would run as a formula (`=`,
 * `+`, `-`, `@`, a tab or CR first) given a leading apostrophe — except a plain number such as a
 * phone number `+998901234567`, which is data. One rule for the API's files and the web app's.
 */

/** Excel's separator in Uzbek and Russian locales. */
export const EXCEL_CSV_SEPARATOR = ';';

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+$/;

/** One field: disarmed if it could run as a formula, quoted (quotes doubled) when it holds `;`, `"` or a line break. */
export function excelCsvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[";\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One line: its fields joined by `;`, ended by CRLF. */
export function excelCsvLine(fields: readonly unknown[]): string {
  return `${fields.map(excelCsvField).join(EXCEL_CSV_SEPARATOR)}\r\n`;
}

/** A whole file of lines, the BOM first. */
export function excelCsvFile(lines: ReadonlyArray<readonly unknown[]>): string {
  return `\uFEFF${lines.map(excelCsvLine).join('')}`;
}
