/**
 * Operators' activation reports (issue 15): the operator's file says which SIMs were activated
 * and when. Its SIMs become sold on that date (source `report`), by a check's rules: one sale per
 * SIM for life, credited through `sold_at` and announced once (outbox + live-feed log row, in the
 * sale's transaction). What does not agree with our records is listed for the dealer to chase.
 * The file is read with the import's parsers (encodings, separators, XLSX, Excel's 8.99E+18,
 * missing check digit); its columns and dates are import/report-file.ts's, what it can disagree
 * about import/report-discrepancies.ts's.
 */
import { dealerDay, NotFoundError, type Principal, ValidationError } from '@simcard/common';
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
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../import/limits.js';
import { ReadDeadline, untilAborted } from '../import/read-deadline.js';
import {
  type CodeParams,
  type Discrepancy,
  DISCREPANCY_KINDS,
  type DiscrepancyCode,
  type DiscrepancyKind,
  type RowProblem,
} from '../import/report-discrepancies.js';
import { blankRow, emptyReport, parseActivationDate, type ParsedDate, reportColumns, type ReportField } from '../import/report-file.js';
import type { CellValue, Problem, SourceRow } from '../import/source-row.js';
import { validateRow } from '../import/validate-row.js';
import { presentDiscrepancy } from '../presenters/activation-reports.js';
import type { Idempotency } from './idempotency.js';
import type { ImportSource } from './imports.js';

type SaleSimcard = activationReportsRepository.SaleSimcard;

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
    // A JSON body never gets here: the route answers it 415 before reading it (a report is a file).
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
    const discrepancy = (
      row: ReportRow,
      kind: DiscrepancyKind,
      reason: string,
      code: DiscrepancyCode,
      params: CodeParams,
      s: SaleSimcard | null,
    ) =>
      compared.add({
        line: row.line,
        iccid: row.iccid,
        kind,
        simcard_id: s?.id ?? null,
        reason,
        code,
        params,
        report: { activated_at: row.activatedAt, msisdn: row.msisdn, operator: row.operator, tariff: row.tariff, amount: row.amount },
        ours: s ? ours(s) : null,
      });
    const compare = (rows: ReportRow[], found: SaleSimcard[]) => {
      const sims = new Map<string, SaleSimcard>();
      for (const s of found) sims.set(s.iccid, s);
      for (const row of rows) {
        const sim = sims.get(row.iccid);
        if (!sim) {
          discrepancy(row, 'unknown_iccid', 'this ICCID is not in our records', 'iccid.unknown', NO_PARAMS, null);
          continue;
        }
        if (row.operator && sim.operator && sim.operator !== row.operator) {
          // Another operator's report cannot speak for this SIM: listed, not sold.
          discrepancy(
            row,
            'other_operator',
            `our record says ${sim.operator}, the report is ${row.operator}'s`,
            'operator.differs',
            { ours: sim.operator, report: row.operator },
            sim,
          );
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
            'operator.not_the_reports',
            { ...(sim.operator ? { ours: sim.operator } : {}), report: options.operator, row: row.operator ?? '' },
            sim,
          );
          continue;
        }
        if (row.msisdn && sim.msisdn && row.msisdn !== sim.msisdn)
          discrepancy(
            row,
            'other_msisdn',
            `our record has ${sim.msisdn}, the report ${row.msisdn}`,
            'msisdn.differs',
            { ours: sim.msisdn, report: row.msisdn },
            sim,
          );
        if (sim.sold_at !== null && sim.sold_at !== undefined) {
          alreadySold++;
          const ourDay = dealerDay(toIso(sim.sold_at)!, this.zone);
          if (ourDay !== row.day) {
            discrepancy(
              row,
              'sold_on_other_date',
              `we have it sold on ${ourDay}, the report on ${row.day}`,
              'sale.other_day',
              { ours: ourDay, report: row.day },
              sim,
            );
          }
          continue;
        }
        if (sim.shop_id === null)
          discrepancy(
            row,
            'activated_in_stock',
            'the SIM is in our stock: it was never handed to a shop',
            'simcard.in_stock',
            NO_PARAMS,
            sim,
          );
        else if (sim.assigned_at && Date.parse(toIso(sim.assigned_at)!) > Date.parse(row.activatedAt)) {
          const assignedAt = toIso(sim.assigned_at)!;
          discrepancy(
            row,
            'activated_before_assignment',
            `activated ${row.activatedAt}, before it reached the shop (${assignedAt})`,
            'sale.before_assignment',
            { activated_at: row.activatedAt, assigned_at: assignedAt },
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
    // One file, one date system: an XLSX book's rows say when it is 1904 (the cache is this file's).
    const dateOf = (cell: CellValue | undefined, dateSystem: 1900 | 1904): ParsedDate => {
      if (cell === null || cell === undefined) return parseActivationDate(cell, this.zone, nowMs);
      const key = `${typeof cell}:${String(cell)}`;
      let parsed = dates.get(key);
      if (!parsed) {
        if (dates.size >= 50_000) dates.clear();
        parsed = parseActivationDate(cell, this.zone, nowMs, dateSystem);
        dates.set(key, parsed);
      }
      return parsed;
    };
    // Each field's column, found once from the first row: every row's cells are then made with
    // the same six keys (one object shape), not by a callback per column adding keys one by one
    // and a rest copy without the date (0.4 s of a 100,000-row report's CPU, load 12).
    let columns: Record<ReportField, number> | null = null;
    const invalid = (
      line: number,
      iccid: string | null,
      reason: string,
      code: string,
      params: CodeParams,
      report: Record<string, unknown> = {},
      problems?: RowProblem[],
    ) =>
      invalidRows.add({
        line,
        iccid,
        kind: 'invalid_row',
        simcard_id: null,
        reason,
        code,
        params,
        ...(problems ? { problems } : {}),
        report,
        ours: null,
      });
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
            const at = (f: ReportField) => resolved.map.lastIndexOf(f);
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
          const date = dateOf(activated, raw.date1904 ? 1904 : 1900);
          if (!checked.ok) {
            // validate-row's own codes: the first problem's is the row's, every field's is in `problems`.
            const problems = checked.problems.map(rowProblem);
            invalid(
              raw.line,
              checked.problems[0]?.iccid ?? null,
              checked.problems.map((p) => `${p.field}: ${p.reason}`).join('; '),
              problems[0]?.code ?? 'invalid_row',
              problems[0]?.params ?? NO_PARAMS,
              {},
              problems,
            );
            continue;
          }
          if (!date.ok) {
            invalid(raw.line, checked.row.iccid, date.reason, date.code, date.params, { activated_at: activated ?? null });
            continue;
          }
          const first = seen.get(checked.row.iccid);
          if (first !== undefined) {
            invalid(raw.line, checked.row.iccid, `the ICCID is listed again (first at line ${first})`, 'iccid.repeated_in_file', {
              first_line: first,
            });
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
      // Code and params kept with the reason, so the kept report answers them too (empty params left out).
      const detail = JSON.stringify({
        reason: d.reason,
        code: d.code,
        ...(d.params === NO_PARAMS ? {} : { params: d.params }),
        ...(d.problems ? { problems: d.problems } : {}),
        report: d.report,
        ours: d.ours,
      });
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

/** No params: one frozen object shared by the discrepancies that have none (100,000 unknown ICCIDs). */
const NO_PARAMS: CodeParams = Object.freeze({}) as CodeParams;

function rowProblem(p: Problem): RowProblem {
  return { field: p.field, reason: p.reason, ...(p.code ? { code: p.code } : {}), ...(p.params ? { params: p.params } : {}) };
}
