/**
 * Operators' activation reports (issue 15): the operator's file says which SIMs were activated
 * and when. Its SIMs become sold on that date (source `report`), by a check's rules: one sale per
 * SIM for life, credited through `sold_at` and announced once (outbox + live-feed log row, in the
 * sale's transaction). What does not agree with our records is listed for the dealer to chase.
 * The file is read with the import's parsers (encodings, separators, XLSX, Excel's 8.99E+18,
 * missing check digit); only the columns are this module's own.
 */
import { dealerDay, dealerOffsetMinutes, NotFoundError, type Principal, ValidationError } from '@simcard/common';
import {
  activationReportsRepository,
  type Db,
  now,
  type Page,
  type PageRequest,
  type SaleOutbox,
  toIso,
  writeTransaction,
} from '@simcard/db';
import { fieldForHeader, normalizeHeader } from '../import/columns.js';
import { fileDetail } from '../import/file-errors.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../import/limits.js';
import { ReadDeadline, untilAborted } from '../import/read-deadline.js';
import type { CellValue, ImportField, Problem, SourceRow } from '../import/source-row.js';
import { validateRow } from '../import/validate-row.js';
import type { Idempotency } from './idempotency.js';
import type { ImportSource } from './imports.js';

type SaleSimcard = activationReportsRepository.SaleSimcard;

export const DISCREPANCY_KINDS = [
  'unknown_iccid',
  'activated_in_stock',
  'sold_on_other_date',
  'other_msisdn',
  'other_operator',
  'activated_before_assignment',
  'invalid_row',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** How many discrepancies the POST answer lists; all are kept and paginated. */
export const MAX_LISTED = 1000;

/**
 * Rows compared at a time while the file is read (one lookup statement each). Small enough that a
 * batch's rows and records mostly die young: batches of 10,000 lived through two scavenges, were
 * promoted, and grew the old generation (100,000 rows, 2026-12-06: peak RSS 234–238 MB → 201–207
 * on SQLite, 247 → 185–190 on PostgreSQL, with the parse's CPU no higher: 0.47–0.54 s against
 * 0.59–0.65). 1,000 saved little more; two or more batches looked up ahead took more RSS and CPU.
 */
const LOOKUP_BATCH = 2500;

/** The earliest year an activation date may have. */
const MIN_YEAR = 2000;

/** How far the operator's clock may run ahead of ours (as apply-answer.ts allows a check). */
const CLOCK_SKEW_MS = 5 * 60_000;

type Field = ImportField | 'activated';

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

function fieldOf(cell: CellValue): Field | undefined {
  if (typeof cell !== 'string') return undefined;
  const name = normalizeHeader(cell);
  if (DATE_ALIASES.includes(name)) return 'activated';
  if (AMOUNT_ALIASES.includes(name)) return 'price';
  return fieldForHeader(cell);
}

/** A headerless report is read as ICCID, activation date, MSISDN, tariff, amount. */
const POSITIONAL: Field[] = ['iccid', 'activated', 'msisdn', 'tariff', 'price'];

/** The first row → the column map (and whether it was a header). */
export function reportColumns(first: CellValue[]): { map: (Field | undefined)[]; isHeader: boolean } {
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
function blankRow(cells: CellValue[]): boolean {
  for (const c of cells) if (c !== null && (typeof c !== 'string' || c.trim() !== '')) return false;
  return true;
}

/** A report holds no row to compare: refused as the import refuses an empty file, nothing kept. */
function emptyReport(): ValidationError {
  return new ValidationError('The file holds no rows to bring in', [{ field: 'file', reason: 'has no data rows' }], 'empty_import');
}

export type ParsedDate = { ok: true; at: string; day: string } | { ok: false; reason: string };

const DMY = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** A wall-clock time in `tz` → the UTC instant (the offset taken at that time, DST included). */
function localToUtc(y: number, mo: number, d: number, h: number, mi: number, s: number, tz: string): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  let t = wall - dealerOffsetMinutes(new Date(wall), tz) * 60_000;
  t = wall - dealerOffsetMinutes(new Date(t), tz) * 60_000;
  return t;
}

/**
 * An activation date as operators write it: `30.11.2026`, `30.11.2026 14:05`, ISO with or without
 * a zone, or an Excel date cell (a serial day number). Without a zone it is the dealer's time; a
 * date alone is the start of that dealer day.
 */
export function parseActivationDate(cell: CellValue | undefined, tz: string, nowMs = Date.now()): ParsedDate {
  if (cell === null || cell === undefined || String(cell).trim() === '') return { ok: false, reason: 'the activation date is missing' };
  let parts: number[] | null = null;
  let instant: number | null = null;
  // Milliseconds of an ISO time: a sale is never dated before the moment it is compared with.
  let fraction = 0;
  if (typeof cell === 'number' || /^\d{5}(\.\d+)?$/.test(cell.trim())) {
    // Excel's serial day (1900 system): days since 1899-12-30, the fraction the time of day.
    const serial = Number(cell);
    if (serial < 20_000 || serial > 80_000) return { ok: false, reason: `the activation date ${String(cell)} is not a date` };
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
  const shown = JSON.stringify(String(cell).slice(0, 40));
  if (!parts) return { ok: false, reason: `the activation date ${shown} is not a date (write 30.11.2026, 30.11.2026 14:05 or 2026-11-30)` };
  const [y, mo, d, h, mi, s] = parts as [number, number, number, number, number, number];
  // Date.UTC reads years 0–99 as 1900–1999 (`30.11.0026` would be 1926): no SIM this system holds
  // was activated before 2000, so an earlier year is a mistyped or mangled one.
  if (y < MIN_YEAR) return { ok: false, reason: `the activation date ${shown} is before ${MIN_YEAR}: write the year in full (30.11.2026)` };
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return { ok: false, reason: `the activation date ${shown} is not a calendar date` };
  }
  const at = instant ?? localToUtc(y, mo, d, h, mi, s, tz) + fraction;
  if (!Number.isFinite(at)) return { ok: false, reason: `the activation date ${shown} is not a date` };
  if (at > nowMs + CLOCK_SKEW_MS) return { ok: false, reason: `the activation date ${shown} is in the future` };
  const iso = new Date(at).toISOString();
  return { ok: true, at: iso, day: dealerDay(iso, tz) };
}

export interface ReportRow {
  line: number;
  iccid: string;
  msisdn: string | null;
  operator: string | null;
  tariff: string | null;
  amount: number | null;
  activatedAt: string;
  day: string;
}

export interface Discrepancy {
  line: number;
  iccid: string | null;
  kind: DiscrepancyKind;
  simcard_id: number | null;
  reason: string;
  report: Record<string, unknown>;
  ours: Record<string, unknown> | null;
}

export interface ActivationOptions {
  operator: string | null;
  dryRun: boolean;
  checkDigitAbsent: boolean;
  idempotencyClaim: number | null;
}

export interface ActivationAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class ActivationReportsService {
  constructor(
    private readonly db: Db,
    private readonly idempotency: Idempotency,
    private readonly outbox: SaleOutbox,
    private readonly zone: string,
    private readonly limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  ) {}

  async bringIn(actor: Principal, source: ImportSource, options: ActivationOptions): Promise<ActivationAnswer> {
    if (source.format === 'json') throw ValidationError.field('body', 'an activation report is a CSV or XLSX file');
    // An operator none of our SIMs has (a typo, `beelin`) would list every row as another
    // operator's and keep that report: refused instead, before the file is read.
    if (options.operator !== null && !(await activationReportsRepository.hasOperator(this.db, options.operator))) {
      throw new ValidationError(`operator: none of our SIMs is ${options.operator}'s`, [
        {
          field: 'operator',
          reason: `none of our SIMs is ${options.operator}'s`,
          code: 'operator.not_held',
          params: { operator: options.operator },
        },
      ]);
    }
    const at = now();
    // The file's rows are compared with our records a batch at a time, as the file is read: each
    // batch's SIMs are looked up (the database reads them on its own thread while the next rows
    // parse), compared, and the batch dropped. What a 100,000-row report keeps is then a SIM id and
    // a date per sale, not every row and every SIM record until the last row.
    const compared = new DiscrepancyList(!options.dryRun);
    const toSell: activationReportsRepository.ReportSale[] = [];
    let alreadySold = 0;
    // One function for all rows: no closure and no copy of the row's words made per row (100,000 of them) for the few that disagree.
    const discrepancy = (row: ReportRow, kind: DiscrepancyKind, reason: string, s: SaleSimcard | null) =>
      compared.add({
        line: row.line,
        iccid: row.iccid,
        kind,
        simcard_id: s?.id ?? null,
        reason,
        report: { activated_at: row.activatedAt, msisdn: row.msisdn, operator: row.operator, tariff: row.tariff, amount: row.amount },
        ours: s ? ours(s) : null,
      });
    const compare = (rows: ReportRow[], found: SaleSimcard[]) => {
      const sims = new Map<string, SaleSimcard>();
      for (const s of found) sims.set(s.iccid, s);
      for (const row of rows) {
        const sim = sims.get(row.iccid);
        if (!sim) {
          discrepancy(row, 'unknown_iccid', 'this ICCID is not in our records', null);
          continue;
        }
        if (row.operator && sim.operator && sim.operator !== row.operator) {
          // Another operator's report cannot speak for this SIM: listed, not sold.
          discrepancy(row, 'other_operator', `our record says ${sim.operator}, the report is ${row.operator}'s`, sim);
          continue;
        }
        if (options.operator && row.operator !== options.operator) {
          // The row's operator column agrees with our record but not with the operator the report
          // was brought in as: the report (`?operator=`) cannot speak for this SIM either. Listed as
          // the report's operator against ours (the row's own word in the reason), not sold.
          discrepancy(
            { ...row, operator: options.operator },
            'other_operator',
            `our record says ${sim.operator ?? 'no operator'}, the report is ${options.operator}'s (this row names ${row.operator})`,
            sim,
          );
          continue;
        }
        if (row.msisdn && sim.msisdn && row.msisdn !== sim.msisdn)
          discrepancy(row, 'other_msisdn', `our record has ${sim.msisdn}, the report ${row.msisdn}`, sim);
        if (sim.sold_at !== null && sim.sold_at !== undefined) {
          alreadySold++;
          const ourDay = dealerDay(toIso(sim.sold_at)!, this.zone);
          if (ourDay !== row.day) discrepancy(row, 'sold_on_other_date', `we have it sold on ${ourDay}, the report on ${row.day}`, sim);
          continue;
        }
        if (sim.shop_id === null) discrepancy(row, 'activated_in_stock', 'the SIM is in our stock: it was never handed to a shop', sim);
        else if (sim.assigned_at && Date.parse(toIso(sim.assigned_at)!) > Date.parse(row.activatedAt)) {
          discrepancy(
            row,
            'activated_before_assignment',
            `activated ${row.activatedAt}, before it reached the shop (${toIso(sim.assigned_at)})`,
            sim,
          );
        }
        toSell.push({ id: sim.id, soldAt: row.activatedAt });
      }
    };
    // Batches read but not yet compared, oldest first, each with its lookup under way.
    const inFlight: Array<{ rows: ReportRow[]; found: Promise<SaleSimcard[]> }> = [];
    const compareOldest = async () => {
      const batch = inFlight.shift()!;
      compare(batch.rows, await batch.found);
    };
    const read = await this.#parse(source, options, Date.parse(at), !options.dryRun, async (rows) => {
      const found = activationReportsRepository.findByIccids(
        this.db,
        rows.map((r) => r.iccid),
      );
      // Awaited in turn. A file refused half-way never awaits its lookups: this keeps their failure from going unhandled.
      found.catch(() => {});
      inFlight.push({ rows, found });
      // One batch looked up ahead of the one parsing: the lookup overlaps the parse, and at most
      // two batches' rows and records are held.
      if (inFlight.length > 1) await compareOldest();
    });
    while (inFlight.length > 0) await compareOldest();
    // The rows that could not be read first, then the others' in file order (as listed and kept before).
    const { invalid, warnings } = read;
    const discrepancyCount = invalid.count + compared.count;
    const counts = Object.fromEntries(DISCREPANCY_KINDS.map((k) => [k, invalid.counts[k] + compared.counts[k]])) as Record<
      DiscrepancyKind,
      number
    >;
    const summary = {
      operator: options.operator,
      file_name: source.fileName,
      format: source.format,
      rows_total: read.valid + counts.invalid_row,
      sold: toSell.length,
      already_sold: alreadySold,
      discrepancy_count: discrepancyCount,
      counts,
    };
    const listed = invalid.listed.concat(compared.listed).slice(0, MAX_LISTED).map(presentDiscrepancy);
    if (options.dryRun) {
      return {
        status: 200,
        body: {
          id: null,
          dry_run: true,
          uploaded_at: at,
          uploaded_by: actor.username,
          ...summary,
          discrepancies: listed,
          discrepancies_truncated: discrepancyCount > MAX_LISTED,
          warnings,
        },
      };
    }

    const body = await writeTransaction(this.db, async (trx) => {
      // Announced in the sale's transaction, as a check's sale is: each chunk's sold SIMs as it sells
      // them (their rows are read back only when there is an outbox to announce them to).
      const soldCount = await activationReportsRepository.recordSales(
        trx,
        toSell,
        at,
        this.outbox.enabled ? { onSold: (rows) => this.outbox.enqueueAll(trx, rows, at) } : {},
      );
      // Sold meanwhile (a check, or the same report at once): not sold or announced again.
      const raced = toSell.length - soldCount;
      const final = { ...summary, sold: toSell.length - raced, already_sold: alreadySold + raced };
      const id = await activationReportsRepository.insert(
        trx,
        {
          operator: options.operator,
          file_name: source.fileName,
          format: source.format,
          uploaded_by: actor.userId,
          uploaded_by_name: actor.username,
          uploaded_at: at,
          rows_total: final.rows_total,
          sold_count: final.sold,
          already_sold_count: final.already_sold,
          discrepancy_count: discrepancyCount,
          counts: JSON.stringify(counts),
        },
        invalid.stored.concat(compared.stored),
      );
      const answer = {
        id,
        dry_run: false,
        uploaded_at: at,
        uploaded_by: actor.username,
        ...final,
        discrepancies: listed,
        discrepancies_truncated: discrepancyCount > MAX_LISTED,
        warnings,
      };
      if (options.idempotencyClaim !== null) await this.idempotency.complete(trx, options.idempotencyClaim, 200, answer);
      return answer;
    });
    return { status: 200, body };
  }

  /**
   * Reads the report: its rows go to `onRows` a batch at a time as they are read (awaited: the
   * parse waits for it); answered are how many rows were read, the discrepancies of rows that
   * could not be, and the warnings.
   */
  async #parse(
    source: ImportSource,
    options: ActivationOptions,
    nowMs: number,
    store: boolean,
    onRows: (rows: ReportRow[]) => Promise<void>,
  ) {
    let pending: ReportRow[] = [];
    let valid = 0;
    const warnings: Problem[] = [];
    const warn = (p: Problem) => void (warnings.length < 100 && warnings.push(p));
    const invalidRows = new DiscrepancyList(store);
    const seen = new Map<string, number>();
    // A report repeats its dates (a day, or a minute, for many SIMs): each text is read once.
    // Reading one asks Intl for the zone's offset and day, the costliest step of a row.
    const dates = new Map<string, ParsedDate>();
    const dateOf = (cell: CellValue | undefined): ParsedDate => {
      if (cell === null || cell === undefined) return parseActivationDate(cell, this.zone, nowMs);
      const key = `${typeof cell}:${String(cell)}`;
      let parsed = dates.get(key);
      if (!parsed) {
        if (dates.size >= 50_000) dates.clear();
        parsed = parseActivationDate(cell, this.zone, nowMs);
        dates.set(key, parsed);
      }
      return parsed;
    };
    // Each field's column, found once from the first row: every row's cells are then made with
    // the same six keys (one object shape), not by a callback per column adding keys one by one
    // and a rest copy without the date (0.4 s of a 100,000-row report's CPU, load 12).
    let columns: Record<Field, number> | null = null;
    const invalid = (line: number, iccid: string | null, reason: string, report: Record<string, unknown> = {}) =>
      invalidRows.add({ line, iccid, kind: 'invalid_row', simcard_id: null, reason, report, ours: null });
    // The import's deadline: a parser that stops answering is abandoned (413), not awaited forever.
    const deadline = new ReadDeadline(this.limits);
    try {
      for await (const batch of untilAborted(source.rows(warn, { limits: this.limits, signal: deadline.signal }), deadline.signal)) {
        for (const raw of batch as SourceRow[]) {
          const cells = raw.raw ?? [];
          if (blankRow(cells)) continue;
          if (columns === null) {
            const resolved = reportColumns(cells);
            // A field named by two columns is read from the last of them.
            const at = (f: Field) => resolved.map.lastIndexOf(f);
            columns = {
              iccid: at('iccid'),
              msisdn: at('msisdn'),
              operator: at('operator'),
              tariff: at('tariff'),
              price: at('price'),
              activated: at('activated'),
            };
            if (resolved.isHeader) continue;
          }
          const activated = cellAt(cells, columns.activated);
          const importCells = {
            iccid: cellAt(cells, columns.iccid),
            msisdn: cellAt(cells, columns.msisdn),
            operator: cellAt(cells, columns.operator),
            tariff: cellAt(cells, columns.tariff),
            price: cellAt(cells, columns.price),
          };
          const checked = validateRow({ line: raw.line, cells: importCells }, { checkDigitAbsent: options.checkDigitAbsent });
          const date = dateOf(activated);
          if (!checked.ok) {
            invalid(raw.line, checked.problems[0]?.iccid ?? null, checked.problems.map((p) => `${p.field}: ${p.reason}`).join('; '));
            continue;
          }
          if (!date.ok) {
            invalid(raw.line, checked.row.iccid, date.reason, { activated_at: activated ?? null });
            continue;
          }
          const first = seen.get(checked.row.iccid);
          if (first !== undefined) {
            invalid(raw.line, checked.row.iccid, `the ICCID is listed again (first at line ${first})`);
            continue;
          }
          seen.set(checked.row.iccid, raw.line);
          // The row's own operator column, else the report's; the number's range is not the operator's word.
          const operator = text(importCells.operator) ? checked.row.operator : options.operator;
          valid++;
          pending.push({
            line: raw.line,
            iccid: checked.row.iccid,
            msisdn: checked.row.msisdn,
            operator,
            tariff: checked.row.tariff,
            amount: checked.row.price,
            activatedAt: date.at,
            day: date.day,
          });
          if (pending.length >= LOOKUP_BATCH) {
            await onRows(pending);
            pending = [];
          }
        }
      }
    } finally {
      deadline.clear();
    }
    if (valid === 0 && invalidRows.count === 0) throw emptyReport();
    if (pending.length > 0) await onRows(pending);
    return { valid, invalid: invalidRows, warnings };
  }

  list(page: PageRequest): Promise<Page<activationReportsRepository.ActivationReportRow>> {
    return activationReportsRepository.list(this.db, page);
  }

  async get(id: number): Promise<activationReportsRepository.ActivationReportRow> {
    const row = await activationReportsRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('Activation report');
    return row;
  }

  async discrepancies(id: number, page: PageRequest, kind?: string): Promise<Page<activationReportsRepository.DiscrepancyRow>> {
    await this.get(id);
    return activationReportsRepository.discrepancies(this.db, id, page, kind);
  }
}

/**
 * Discrepancies as held until stored: each as its stored row (one JSON string, 100,000 of them
 * for a report of unknown ICCIDs), only the first MAX_LISTED also as objects for the answer.
 * As objects, and knex's rows made of them, a report of 100,000 unknown ICCIDs took 309–360 MB
 * peak RSS and 1.5–1.6 s on SQLite, 311–314 MB and 2.4–2.6 s on PostgreSQL; so held, and stored a
 * JSON parameter a chunk, 267–272 MB and 1.0 s, 263–286 MB and 1.8 s (2026-12-06, load ~1).
 */
class DiscrepancyList {
  readonly listed: Discrepancy[] = [];
  /** `discrepancyTuple`s, in order: none on a dry run, which stores nothing. */
  readonly stored: string[] = [];
  readonly counts = Object.fromEntries(DISCREPANCY_KINDS.map((k) => [k, 0])) as Record<DiscrepancyKind, number>;
  count = 0;

  constructor(private readonly store: boolean) {}

  add(d: Discrepancy): void {
    this.count++;
    this.counts[d.kind]++;
    if (this.listed.length < MAX_LISTED) this.listed.push(d);
    if (this.store) {
      const detail = JSON.stringify({ reason: d.reason, report: d.report, ours: d.ours });
      this.stored.push(
        activationReportsRepository.discrepancyTuple({ line: d.line, iccid: d.iccid, kind: d.kind, simcard_id: d.simcard_id, detail }),
      );
    }
  }
}

/** A field's cell: `undefined` when the file has no such column (as an absent key reads), `null` when the cell is empty. */
function cellAt(cells: CellValue[], column: number): CellValue | undefined {
  return column === -1 ? undefined : (cells[column] ?? null);
}

function text(cell: CellValue | undefined): string {
  return cell === null || cell === undefined ? '' : String(cell).trim();
}

function ours(sim: SaleSimcard): Record<string, unknown> {
  return {
    status: sim.status,
    operator: sim.operator,
    msisdn: sim.msisdn,
    shop_id: sim.shop_id,
    sold_at: toIso(sim.sold_at),
    assigned_at: toIso(sim.assigned_at),
  };
}

export function presentDiscrepancy(d: Discrepancy) {
  return { line: d.line, iccid: d.iccid, kind: d.kind, simcard_id: d.simcard_id, reason: d.reason, report: d.report, ours: d.ours };
}

export function presentDiscrepancyRow(row: activationReportsRepository.DiscrepancyRow) {
  const detail = JSON.parse(row.detail) as { reason: string; report: Record<string, unknown>; ours: Record<string, unknown> | null };
  return { line: row.line, iccid: row.iccid, kind: row.kind as DiscrepancyKind, simcard_id: row.simcard_id, ...detail };
}

export function presentReport(row: activationReportsRepository.ActivationReportRow) {
  return {
    id: row.id,
    operator: row.operator,
    file_name: row.file_name,
    format: row.format,
    uploaded_by: row.uploaded_by_name,
    uploaded_at: toIso(row.uploaded_at)!,
    rows_total: row.rows_total,
    sold: row.sold_count,
    already_sold: row.already_sold_count,
    discrepancy_count: row.discrepancy_count,
    counts: JSON.parse(row.counts) as Record<DiscrepancyKind, number>,
  };
}
