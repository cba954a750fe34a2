/**
 * Bulk import (`importBatch`) and the import history. One import is one transaction: the rows,
 * the `imports` row, assignment logs, its one audit-log entry and the stored Idempotency-Key
 * answer commit together, so a process killed mid-import leaves all of it or none of it.
 *
 * The upload is read and every row validated first, under ParseLimits (a deadline and caps),
 * before any transaction opens; the valid rows wait in memory (a few thousand), or are staged
 * meanwhile into a temporary table on a connection held for the import (SQLite: that takes no
 * lock; importsRepository.HeldStage), or wait in a scratch file (PostgreSQL, staged by COPY in
 * the transaction). The transaction then only writes: it never waits on a parser, a client, or a file that
 * will not end (a cut XLSX used to hold SQLite's write lock forever). A dry run, and a strict import already known to be refused,
 * work out the same report in a read transaction over temporary tables: they take no write lock.
 */
import { join } from 'node:path';
import { HttpError, NotFoundError, type Principal, ValidationError } from '@simcard/common';
import { type Db, importsRepository, isSqlite, limitTransaction, type Page, type PageRequest, writeTransaction } from '@simcard/db';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../import/limits.js';
import { orAbort, ReadDeadline, untilAborted } from '../import/read-deadline.js';
import { type ImportReport, ReportBuilder } from '../import/report.js';
import type { SourceRow, WarnFn } from '../import/source-row.js';
import { readValidRows, ValidRowsWriter } from '../import/valid-rows-file.js';
import { CHECK_DIGIT_HINT, validateRow, type ValidRow } from '../import/validate-row.js';
import { recordAudit } from './audit.js';
import type { Idempotency, KeyClaim } from './idempotency.js';
import { BatchWriter } from './import-batch-writer.js';
import { requireActiveShop } from './shops.js';

export interface ImportOptions {
  mode: 'partial' | 'strict';
  dryRun: boolean;
  checkDigitAbsent: boolean;
  shopId: number | null;
  /** A claimed (or to be claimed: DeferredClaim) Idempotency-Key: its answer is stored in the import's transaction. */
  idempotencyClaim: KeyClaim | null;
}

/** How a parser is held to its limits: `signal` aborts it when the deadline passes. */
export interface ParseControl {
  limits: ParseLimits;
  signal: AbortSignal;
}

export interface ImportSource {
  format: importsRepository.ImportFormat;
  fileName: string | null;
  sizeBytes: number;
  /**
   * The upload's own directory (created on first call for a body held in memory): valid rows
   * beyond what the import keeps in memory wait here until the import ends.
   */
  scratchDir(): Promise<string>;
  /** The rows, streamed in batches; read before any transaction opens. */
  rows(warn: WarnFn, control: ParseControl): AsyncIterable<SourceRow[]> | Iterable<SourceRow[]>;
}

/**
 * The import's own transaction may run long (a million rows): its statements get this limit
 * (PostgreSQL, SET LOCAL) instead of the connection's default DB_STATEMENT_TIMEOUT_MS.
 */
const IMPORT_STATEMENT_TIMEOUT_MS = 15 * 60 * 1000;

/**
 * Valid rows up to this many are kept in memory between reading and writing (a few MB at most);
 * past it they all go to the scratch file, so memory does not grow with the file.
 */
const IN_MEMORY_VALID_ROWS = 5000;

/**
 * What was read from the upload: the report so far and the valid rows — in memory, the scratch
 * file's path (PostgreSQL), or already staged on a connection held for the import (SQLite).
 */
interface Parsed {
  builder: ReportBuilder;
  validRows: ValidRow[] | string | importsRepository.HeldStage;
}

export type ImportResult = ImportReport & { import_id: number | null };

export interface ImportAnswer {
  status: 200 | 422;
  body: ImportResult | (ImportResult & { error: { code: string; message: string } });
}

/** Thrown to roll back a dry run or a refused strict import, carrying its report. */
class RollBack extends Error {
  constructor(readonly builder: ReportBuilder) {
    super('rolled back');
  }
}

/** What the audit log keeps of an import: where it came from and its counts (the rows are in `imports` and the SIMs' batch_id). */
function auditSummary(record: Omit<importsRepository.NewImport, 'status'>, report: ImportReport) {
  return {
    batch_id: report.batch_id,
    file_name: record.file_name,
    format: record.format,
    size_bytes: record.size_bytes,
    mode: record.mode,
    check_digit_absent: record.check_digit_absent,
    shop_id: record.shop_id,
    ...reportCounts(report),
  };
}

/** An import's counts, as the imports table and the audit log keep them. */
function reportCounts(report: ImportReport) {
  return {
    received: report.received,
    inserted: report.inserted,
    skipped_existing: report.skipped_existing,
    duplicates_in_file: report.duplicates_in_file,
    invalid_rows: report.invalid_rows,
    warning_count: report.warning_count,
  };
}

function isBusy(err: unknown): boolean {
  return (err as { code?: unknown })?.code === 'SQLITE_BUSY';
}

type WriteTrx = Parameters<typeof limitTransaction>[0];

function databaseBusy(): HttpError {
  return new HttpError(503, 'database_busy', 'The database is busy with another write (a large import?); retry shortly', undefined, {
    'Retry-After': '10',
  });
}

/**
 * SQLite: imports at once whose rows are staged on a held connection (HeldStage), of the pool's 4;
 * more go the scratch-file way (staged inside their transaction), so that imports waiting for
 * their write turn never hold every connection the writer ahead of them needs.
 */
const MAX_HELD_STAGES = 2;

export class ImportsService {
  /** HeldStages open now (MAX_HELD_STAGES). */
  private heldStages = 0;

  constructor(
    private readonly db: Db,
    private readonly idempotency: Idempotency,
    private readonly limits: ParseLimits = DEFAULT_PARSE_LIMITS,
  ) {}

  /**
   * A write transaction (on SQLite in the process's write turn, with every other writer).
   * `work`'s first statement must write (the import's row): on SQLite that takes the write lock
   * up front, as writeTransaction's dummy write would, one statement sooner.
   */
  private writing<T>(held: importsRepository.HeldStage | null, work: (trx: WriteTrx) => Promise<T>): Promise<T> {
    return writeTransaction(this.db, work, { firstStatementWrites: true, ...(held ? { connection: held.connection } : {}) });
  }

  async importBatch(actor: Principal, source: ImportSource, options: ImportOptions): Promise<ImportAnswer> {
    const record = {
      user_id: actor.userId,
      username: actor.username,
      file_name: source.fileName,
      format: source.format,
      mode: options.mode,
      check_digit_absent: options.checkDigitAbsent,
      shop_id: options.shopId,
      size_bytes: source.sizeBytes,
    };
    // Checked before the transaction (whose first statement must write); the foreign key still
    // refuses a shop deleted in between.
    if (options.shopId !== null) await requireActiveShop(this.db, options.shopId);
    const parsed = await this.parse(source, options);
    const { builder } = parsed;
    const held = parsed.validRows instanceof importsRepository.HeldStage ? parsed.validRows : null;
    try {
      if (options.dryRun) {
        await this.simulate(parsed, actor, options);
        return { status: 200, body: { import_id: null, ...builder.build({ batchId: null, dryRun: true, mode: options.mode }) } };
      }
      if (options.mode === 'strict' && builder.invalidRows > 0) {
        // Already refused: the rest of its report is worked out without the write lock.
        await this.simulate(parsed, actor, options);
        return await this.reject(record, builder, options, held);
      }
      return await this.writing(held, async (trx) => {
        // Rows held in memory are a few thousand at most: the connection's own limit suffices.
        if (!Array.isArray(parsed.validRows)) await limitTransaction(trx, IMPORT_STATEMENT_TIMEOUT_MS);
        // The first statement writes (writeTransaction's rule): the import's row, for its batch id.
        const { id, batchId } = await importsRepository.insertStarted(trx, { ...record, status: 'completed' });
        const writer = new BatchWriter(trx, batchId!, options.shopId, actor, builder);
        await this.write(writer, parsed.validRows);
        if (options.mode === 'strict' && builder.invalidRows > 0) throw new RollBack(builder);
        const report = builder.build({ batchId, dryRun: false, mode: options.mode });
        await importsRepository.finish(trx, id, this.outcome(report));
        // One entry per import (never one per SIM), in its transaction: a dry run or a refused
        // strict import never gets here and leaves none; a replay never gets here.
        await recordAudit(trx, actor, { action: 'import', entity: 'import', entityId: id, after: auditSummary(record, report) });
        const body: ImportResult = { import_id: id, ...report };
        if (options.idempotencyClaim !== null) await this.idempotency.complete(trx, options.idempotencyClaim, 200, body);
        return { status: 200, body };
      });
    } catch (err) {
      // SQLite has one writer: another long import (or write) held it past the busy timeout.
      if (isBusy(err)) throw databaseBusy();
      if (!(err instanceof RollBack)) throw err;
      return this.reject(record, err.builder, options, held);
    } finally {
      await held?.release();
    }
  }

  /**
   * Reads the whole upload and validates every row, before any transaction: under the parse
   * deadline (a parser that stops answering is abandoned, not awaited) and the caps of
   * ParseLimits, enforced by the parsers. Valid rows go to a scratch file.
   */
  private async parse(source: ImportSource, options: ImportOptions): Promise<Parsed> {
    const builder = new ReportBuilder();
    // The valid rows: in memory while few, then (all of them, in order) staged on a held
    // connection (SQLite: HeldStage) or in the scratch file (PostgreSQL: COPY in the transaction).
    let kept: ValidRow[] | null = [];
    let out: ValidRowsWriter | importsRepository.HeldStage | null = null;
    const keep = async (valid: ValidRow[]) => {
      if (kept !== null && kept.length + valid.length <= IN_MEMORY_VALID_ROWS) {
        for (const row of valid) kept.push(row);
        return;
      }
      if (out === null) {
        if (isSqlite(this.db) && this.heldStages < MAX_HELD_STAGES) {
          this.heldStages++;
          try {
            out = await importsRepository.HeldStage.open(this.db);
          } catch (err) {
            this.heldStages--;
            throw err;
          }
          const stage = out;
          stage.onRelease = () => this.heldStages--;
        } else out = new ValidRowsWriter(join(await source.scratchDir(), 'valid-rows.ndjson'));
        await out.write(kept!);
        kept = null;
      }
      await out.write(valid);
    };
    const deadline = new ReadDeadline(this.limits);
    const { signal } = deadline;
    let keeping: Promise<void> = Promise.resolve();
    try {
      for await (const batch of untilAborted(
        source.rows((p) => builder.warn(p), { limits: this.limits, signal }),
        signal,
      )) {
        const valid = [];
        for (const row of batch) {
          builder.received++;
          const result = validateRow(row, { checkDigitAbsent: options.checkDigitAbsent });
          if (!result.ok) {
            builder.rejectRow(result.problems);
            if (result.problems.some((p) => p.reason.endsWith(CHECK_DIGIT_HINT))) builder.checkDigitSuspects++;
            continue;
          }
          for (const w of result.warnings) builder.warn(w);
          valid.push(result.row);
        }
        keeping = keep(valid);
        await orAbort(keeping, signal);
      }
      await (out as ValidRowsWriter | importsRepository.HeldStage | null)?.close();
    } catch (err) {
      // What was being kept settles first (a stage opening gets its connection back below).
      await keeping.catch(() => {});
      const left = out as ValidRowsWriter | importsRepository.HeldStage | null;
      if (left instanceof importsRepository.HeldStage) await left.release();
      else left?.destroy();
      throw err;
    } finally {
      deadline.clear();
    }
    if (builder.received === 0)
      throw new ValidationError('The file holds no rows to import', [{ field: 'file', reason: 'has no data rows' }], 'empty_import');
    if (builder.checkDigitSuspects > 0) {
      builder.warn({
        line: 1,
        iccid: null,
        field: 'iccid',
        reason: `${builder.checkDigitSuspects} ICCIDs look like they lack their Luhn check digit; ${CHECK_DIGIT_HINT}`,
        code: 'import.check_digit_suspects',
        params: { count: builder.checkDigitSuspects, hint: 'no_check_digit' },
      });
    }
    const left = out as ValidRowsWriter | importsRepository.HeldStage | null;
    return { builder, validRows: kept ?? (left instanceof importsRepository.HeldStage ? left : left!.path) };
  }

  /** Stages the valid rows (from memory or the scratch file; or they are staged) and inserts (or, dry, simulates) them. */
  private async write(writer: BatchWriter, validRows: Parsed['validRows']): Promise<void> {
    try {
      if (validRows instanceof importsRepository.HeldStage) {
        await writer.finishStaged(validRows.staged);
        return;
      }
      if (typeof validRows !== 'string') {
        await writer.finishWith(validRows);
        return;
      }
      for await (const chunk of readValidRows(validRows, importsRepository.STAGE_CHUNK_ROWS)) {
        for (const row of chunk) if (writer.add(row)) await writer.flush();
      }
      await writer.finish();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  /**
   * What the import would do, worked out in a read transaction (its temporary tables are the
   * connection's own): no row of `simcards` is written, so on SQLite no write lock is taken and
   * other writes go on meanwhile.
   */
  private async simulate(parsed: Parsed, actor: Principal, options: ImportOptions): Promise<void> {
    const held = parsed.validRows instanceof importsRepository.HeldStage ? parsed.validRows : null;
    await this.db.transaction(
      async (trx) => {
        await limitTransaction(trx, IMPORT_STATEMENT_TIMEOUT_MS);
        await this.write(new BatchWriter(trx, null, options.shopId, actor, parsed.builder), parsed.validRows);
      },
      held ? { connection: held.connection } : undefined,
    );
  }

  /** Strict mode with bad rows: nothing was inserted; the refusal is kept in the history. */
  private async reject(
    record: Omit<importsRepository.NewImport, 'status'>,
    builder: ReportBuilder,
    options: ImportOptions,
    held: importsRepository.HeldStage | null,
  ): Promise<ImportAnswer> {
    builder.inserted = 0;
    const report = builder.build({ batchId: null, dryRun: false, mode: 'strict' });
    return this.writing(held, async (trx) => {
      const { id } = await importsRepository.insertStarted(trx, { ...record, status: 'rejected' });
      await importsRepository.finish(trx, id, this.outcome(report));
      const body = {
        import_id: id,
        ...report,
        error: {
          code: 'rows_invalid',
          message: `${report.invalid_rows} of ${report.received} rows are invalid; strict mode inserted nothing (see invalid)`,
        },
      };
      if (options.idempotencyClaim !== null) await this.idempotency.complete(trx, options.idempotencyClaim, 422, body);
      return { status: 422, body };
    });
  }

  private outcome(report: ImportReport): importsRepository.ImportOutcome {
    return { batch_id: report.batch_id, ...reportCounts(report), report: JSON.stringify(report) };
  }

  list(page: PageRequest): Promise<Page<importsRepository.ImportSummary>> {
    return importsRepository.list(this.db, page);
  }

  async get(id: number): Promise<importsRepository.ImportRow> {
    const row = await importsRepository.findById(this.db, id);
    if (!row) throw new NotFoundError('Import');
    return row;
  }
}
