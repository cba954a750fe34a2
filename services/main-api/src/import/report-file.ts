/**
 * An operator's activation report as a file: which column is which (Uzbek, Russian and English
 * headers, or none: ICCID, date, MSISDN, tariff, amount), the rows that hold nothing, and the
 * activation date as operators write it. The rest of a row is read by the import's rules.
 */
import { dealerDay, dealerOffsetMinutes, ValidationError } from '@simcard/common';
import { fieldForHeader, normalizeHeader } from './columns.js';
import { fileDetail } from './file-errors.js';
import type { CodeParams, DiscrepancyCode } from './report-discrepancies.js';
import type { CellValue, ImportField } from './source-row.js';

/** The earliest year an activation date may have. */
const MIN_YEAR = 2000;

/** How far the operator's clock may run ahead of ours (as apply-answer.ts allows a check). */
const CLOCK_SKEW_MS = 5 * 60_000;

export type ReportField = ImportField | 'activated';

const DATE_ALIASES = [
  'activation date',
  'activated at',
  'activated',
  'activation',
  'date',
  'sale date',
  'дата активации',
  'дата подключения',
  'дата продажи',
  'дата',
  'активация',
  'faollashtirish sanasi',
  'faollashtirilgan sana',
  'aktivatsiya sanasi',
  'aktivatsiya',
  'sana',
].map(normalizeHeader);
const AMOUNT_ALIASES = ['amount', 'commission', 'комиссия', 'вознаграждение', 'komissiya', 'miqdor'].map(normalizeHeader);

function fieldOf(cell: CellValue): ReportField | undefined {
  if (typeof cell !== 'string') return undefined;
  const name = normalizeHeader(cell);
  if (DATE_ALIASES.includes(name)) return 'activated';
  if (AMOUNT_ALIASES.includes(name)) return 'price';
  return fieldForHeader(cell);
}

/** A headerless report is read as ICCID, activation date, MSISDN, tariff, amount. */
const POSITIONAL: ReportField[] = ['iccid', 'activated', 'msisdn', 'tariff', 'price'];

/** The first row → the column map (and whether it was a header). */
export function reportColumns(first: CellValue[]): { map: (ReportField | undefined)[]; isHeader: boolean } {
  const map = first.map(fieldOf);
  // What the header holds, for the refusals below (as the import names it: file.no_iccid_column).
  const found = () =>
    first
      .filter((c) => c !== null && String(c).trim() !== '')
      .map(String)
      .slice(0, 10)
      .join(', ') || '—';
  if (map.includes('iccid')) {
    if (!map.includes('activated')) {
      const reason = 'has no activation date column (name it "activation date", "Дата активации" or "Faollashtirish sanasi")';
      throw new ValidationError(`file: ${reason}`, [fileDetail('file.no_date_column', reason, { found: found() }, { line: 1 })]);
    }
    return { map, isHeader: true };
  }
  const c = first[0];
  if (typeof c === 'number' || (typeof c === 'string' && /^[\d\s-]{6,}$|^\d+([.,]\d+)?e\+?\d+$/i.test(c.trim())))
    return { map: POSITIONAL, isHeader: false };
  const reason = 'has no ICCID column (name it "iccid", "ICCID raqami" or "Номер ICCID")';
  throw new ValidationError(`file: ${reason}`, [fileDetail('file.no_iccid_column', reason, { found: found() }, { line: 1 })]);
}

/** A row of empty cells (Excel's trailing `;;;` rows): skipped as a blank line is, as the XLSX reader skips such rows. */
export function blankRow(cells: CellValue[]): boolean {
  for (const c of cells) if (c !== null && (typeof c !== 'string' || c.trim() !== '')) return false;
  return true;
}

/** A report holds no row to compare: refused as the import refuses an empty file, nothing kept. */
export function emptyReport(): ValidationError {
  return new ValidationError('The file holds no rows to bring in', [{ field: 'file', reason: 'has no data rows' }], 'empty_import');
}

export type ParsedDate = { ok: true; at: string; day: string } | { ok: false; reason: string; code: DiscrepancyCode; params: CodeParams };

const notDate = (reason: string, code: DiscrepancyCode, params: CodeParams = {}): ParsedDate => ({ ok: false, reason, code, params });

const DMY = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** A wall-clock time in `tz` → the UTC instant (the offset taken at that time, DST included). */
function localToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, tz: string): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  let t = wall - dealerOffsetMinutes(new Date(wall), tz) * 60_000;
  t = wall - dealerOffsetMinutes(new Date(t), tz) * 60_000;
  return t;
}

/** Days from 1899-12-30 (the 1900 system's day 0) to 1904-01-01 (the 1904 system's): 1904 serial + 1462 = 1900 serial. */
const DAYS_1904 = 1462;

/**
 * An activation date as operators write it: `30.11.2026`, `30.11.2026 14:05`, ISO with or without
 * a zone, or an Excel date cell (a serial day number, in the workbook's date system: 1904 for a
 * book saved with Mac Excel's "1904 date system"). Without a zone it is the dealer's time; a
 * date alone is the start of that dealer day.
 */
export function parseActivationDate(
  cell: CellValue | undefined,
  tz: string,
  nowMs = Date.now(),
  dateSystem: 1900 | 1904 = 1900,
): ParsedDate {
  if (cell === null || cell === undefined || String(cell).trim() === '')
    return notDate('the activation date is missing', 'activated_at.missing');
  const value = String(cell).slice(0, 40);
  const shown = JSON.stringify(value);
  let parts: number[] | null = null;
  let instant: number | null = null;
  // Milliseconds of an ISO time: a sale is never dated before the moment it is compared with.
  let fraction = 0;
  if (typeof cell === 'number' || /^\d{5}(\.\d+)?$/.test(cell.trim())) {
    // Excel's serial day (1900 system): days since 1899-12-30, the fraction the time of day; a
    // 1904 book's count from 1904-01-01.
    const serial = Number(cell) + (dateSystem === 1904 ? DAYS_1904 : 0);
    if (serial < 20_000 || serial > 80_000)
      return notDate(`the activation date ${String(cell)} is not a date`, 'activated_at.not_date', { value });
    const wall = new Date(Math.round((serial - 25_569) * 86_400_000));
    parts = [
      wall.getUTCFullYear(),
      wall.getUTCMonth() + 1,
      wall.getUTCDate(),
      wall.getUTCHours(),
      wall.getUTCMinutes(),
      wall.getUTCSeconds(),
    ];
  } else {
    const text = cell.trim();
    let m = DMY.exec(text);
    if (m) parts = [Number(m[3]), Number(m[2]), Number(m[1]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
    else if ((m = ISO.exec(text))) {
      parts = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
      fraction = m[7] ? Math.round(Number(m[7]) * 1000) : 0;
      if (m[8])
        instant = Date.parse(
          `${m[1]}-${m[2]}-${m[3]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}${m[7] ?? ''}${m[8].length === 5 ? `${m[8].slice(0, 3)}:${m[8].slice(3)}` : m[8]}`,
        );
    }
  }
  if (!parts)
    return notDate(
      `the activation date ${shown} is not a date (write 30.11.2026, 30.11.2026 14:05 or 2026-11-30)`,
      'activated_at.not_date',
      { value },
    );
  const [y, mo, d, h, mi, s] = parts as [number, number, number, number, number, number];
  // Date.UTC reads years 0–99 as 1900–1999 (`30.11.0026` would be 1926): no SIM this system holds
  // was activated before 2000, so an earlier year is a mistyped or mangled one.
  if (y < MIN_YEAR) {
    return notDate(
      `the activation date ${shown} is before ${MIN_YEAR}: write the year in full (30.11.2026)`,
      'activated_at.before_min_year',
      { value, min_year: MIN_YEAR },
    );
  }
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return notDate(`the activation date ${shown} is not a calendar date`, 'activated_at.not_calendar_date', { value });
  }
  const at = instant ?? localToUtc(y, mo, d, h, mi, s, tz) + fraction;
  if (!Number.isFinite(at)) return notDate(`the activation date ${shown} is not a date`, 'activated_at.not_date', { value });
  if (at > nowMs + CLOCK_SKEW_MS) return notDate(`the activation date ${shown} is in the future`, 'activated_at.future', { value });
  const iso = new Date(at).toISOString();
  return { ok: true, at: iso, day: dealerDay(iso, tz) };
}
