/**
 * Header names → fields. Matched case-insensitively after folding punctuation and spacing, with
 * the names Uzbek (Latin) and Russian spreadsheets really use. A file without a recognizable
 * header whose first cell already looks like an ICCID is read positionally
 * (iccid, msisdn, operator, tariff, price): operators' own exports often have no header.
 */
import { ValidationError } from '@simcard/common';
import type { FileProblemCode } from './file-problem-codes.js';
import { type CellValue, IMPORT_FIELDS, type ImportField, type SourceRow, type WarnFn } from './source-row.js';

const ALIASES: Record<ImportField, string[]> = {
  iccid: [
    'iccid',
    'icc id',
    'icc',
    'iccid raqami',
    'iccid raqam',
    'номер iccid',
    'iccid номер',
    'айсиайди',
    'sim',
    'sim raqami',
    'сим',
    'номер сим',
    'серийный номер',
    'sim karta',
    'сим карта',
  ],
  msisdn: [
    'msisdn',
    'phone',
    'phone number',
    'number',
    'телефон',
    'номер телефона',
    'номер',
    'телефонный номер',
    'telefon',
    'telefon raqami',
    'raqam',
    'raqami',
    'nomer',
    'abonent raqami',
  ],
  operator: ['operator', 'оператор', 'carrier', 'provider', 'провайдер', 'operator nomi'],
  tariff: ['tariff', 'tarif', 'тариф', 'тарифный план', 'tarif rejasi', 'plan'],
  price: ['price', 'цена', 'narx', 'narxi', 'стоимость', 'сумма', 'summa', 'нарх'],
};

/** Lower-case, `ё`→`е`, a trailing unit in brackets dropped ("Narx (so'm)"), punctuation as spaces. */
export function normalizeHeader(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/\(.*\)\s*$/, '')
    .replace(/[_\-.:/#№"'`‘’]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const FIELD_BY_NAME = new Map<string, ImportField>();
for (const field of IMPORT_FIELDS) for (const alias of ALIASES[field]) FIELD_BY_NAME.set(normalizeHeader(alias), field);

export function fieldForHeader(name: string): ImportField | undefined {
  return FIELD_BY_NAME.get(normalizeHeader(name));
}

/** A cell that is an ICCID rather than a header: digits (with spaces/dashes) or Excel's `8.99E+18`. */
function looksLikeData(cell: CellValue): boolean {
  if (typeof cell === 'number') return true;
  if (cell === null) return false;
  const s = cell.trim();
  return /^[\d\s-]{6,}$/.test(s) || /^\d+([.,]\d+)?e\+?\d+$/i.test(s);
}

/** Column index → field, for one file. */
export type ColumnMap = (ImportField | undefined)[];

export const POSITIONAL: ColumnMap = [...IMPORT_FIELDS];

/**
 * Reads the first row: a header (→ its column map, and the row is consumed), or data (→ the
 * positional map, and the row is data). Unknown columns are ignored with a warning.
 */
export function resolveHeader(first: CellValue[], warn: WarnFn): { map: ColumnMap; isHeader: boolean } {
  const map: ColumnMap = first.map((cell) => (typeof cell === 'string' ? fieldForHeader(cell) : undefined));
  if (!map.includes('iccid')) {
    if (looksLikeData(first[0] ?? null)) return { map: POSITIONAL, isHeader: false };
    const got = first
      .filter((c) => c !== null && c !== '')
      .map(String)
      .slice(0, 10)
      .join(', ');
    throw new ValidationError(`Line 1: no ICCID column (found: ${got || 'nothing'}); name it "iccid" (or ICCID raqami, Номер ICCID)`, [
      {
        field: 'iccid',
        reason: 'no column of the header is an ICCID column',
        line: 1,
        code: 'file.no_iccid_column' satisfies FileProblemCode,
        params: { found: got || '—' },
      },
    ]);
  }
  const seen = new Set<ImportField>();
  map.forEach((field, i) => {
    if (!field) {
      const name = first[i];
      if (name !== null && name !== undefined && String(name).trim() !== '') {
        warn({
          line: 1,
          iccid: null,
          field: String(name),
          reason: `column "${String(name)}" is not a known column and was ignored`,
          code: 'import.column_ignored',
          params: { column: String(name) },
        });
      }
      return;
    }
    if (seen.has(field))
      throw new ValidationError(`Line 1: two columns are ${field} columns`, [
        {
          field,
          reason: 'appears twice in the header',
          line: 1,
          code: 'file.duplicate_column' satisfies FileProblemCode,
          params: { column: field },
        },
      ]);
    seen.add(field);
  });
  return { map, isHeader: true };
}

/**
 * toSourceRow for many rows under one map: the column of each field found once, and every row's
 * cells made with the same five keys (one object shape, where keys added one by one made V8
 * build each row's shape again; a field the file lacks is `undefined`, as an absent one reads).
 */
export function sourceRowMaker(map: ColumnMap): (line: number, cells: CellValue[]) => SourceRow {
  const at = (field: ImportField) => map.indexOf(field);
  const [iccid, msisdn, operator, tariff, price] = [at('iccid'), at('msisdn'), at('operator'), at('tariff'), at('price')];
  const cell = (cells: CellValue[], i: number): CellValue | undefined => (i === -1 ? undefined : (cells[i] ?? null));
  return (line, cells) => ({
    line,
    cells: {
      iccid: cell(cells, iccid),
      msisdn: cell(cells, msisdn),
      operator: cell(cells, operator),
      tariff: cell(cells, tariff),
      price: cell(cells, price),
    },
  });
}

/** One row of cells under a column map. */
export function toSourceRow(line: number, cells: CellValue[], map: ColumnMap): SourceRow {
  const row: SourceRow = { line, cells: {} };
  for (let i = 0; i < map.length; i++) {
    const field = map[i];
    if (field) row.cells[field] = cells[i] ?? null;
  }
  return row;
}
