/**
 * Bulk import (`importBatch`) and the import history. One import is one transaction: the rows,
 * the `imports` row, assignment logs, its one audit-log entry and the stored Idempotency-Key
 * answer commit together, so a process killed mid-import leaves all of it or none of it. A dry
 * run and a refused strict import run the same code and roll back, so their report is exactly
 * what a real run would say (and neither leaves an audit entry).
 */
import { HttpError, NotFoundError, ValidationError, type Principal } from '@simcard/common';
import { importsRepository, shopsRepository, writeTransaction, type Db, type Page, type PageRequest, type Queryable } from '@simcard/db';
import { ReportBuilder, type ImportReport } from '../import/report.js';
import type { SourceRow, WarnFn } from '../import/source-row.js';
import { CHECK_DIGIT_HINT, validateRow } from '../import/validate-row.js';
import { recordAudit } from './audit.js';
import { BatchWriter } from './import-batch-writer.js';
import type { Idempotency } from './idempotency.js';

export interface ImportOptions {
  mode: 'partial' | 'strict';
  dryRun: boolean;
  checkDigitAbsent: boolean;
  shopId: number | null;
  /** A claimed Idempotency-Key: its answer is stored in the import's transaction. */
  idempotencyClaim: number | null;
}

export interface ImportSource {
  format: importsRepository.ImportFormat;
  fileName: string | null;
  sizeBytes: number;
  /** Called inside the transaction: the rows, streamed in batches. */
  rows(warn: WarnFn): AsyncIterable<SourceRow[]> | Iterable<SourceRow[]>;
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

async function requireActiveShop(db: Queryable, shopId: number): Promise<void> {
  const shop = await shopsRepository.findById(db, shopId);
  if (!shop) throw ValidationError.field('shop_id', `shop ${shopId} does not exist`);
  if (!shop.is_active) throw ValidationError.field('shop_id', `shop ${shopId} is inactive`);
}

export class ImportsService {
  constructor(
    private readonly db: Db,
    private readonly idempotency: Idempotency,
  ) {}

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
    try {
      return await writeTransaction(this.db, async (trx) => {
        // The first statement writes (writeTransaction's rule): the import's row, for its batch id.
        const { id, batchId } = await importsRepository.insertStarted(trx, { ...record, status: 'completed' });
        const builder = await this.process(trx, actor, source, options, batchId!);
        if (options.dryRun || (options.mode === 'strict' && builder.invalidRows > 0)) throw new RollBack(builder);
        const report = builder.build({ batchId, dryRun: false, mode: options.mode });
        await importsRepository.finish(trx, id, this.outcome(report));
        // One entry per import (never one per SIM), in its transaction: a dry run or a refused
        // strict import rolls back before this point and leaves none; a replay never gets here.
        await recordAudit(trx, actor, { action: 'import', entity: 'import', entityId: id, after: auditSummary(record, report) });
        const body: ImportResult = { import_id: id, ...report };
        if (options.idempotencyClaim !== null) await this.idempotency.complete(trx, options.idempotencyClaim, 200, body);
        return { status: 200, body };
      });
    } catch (err) {
      if (isBusy(err)) {
        // SQLite has one writer: another long import (or write) held it past the busy timeout.
        throw new HttpError(503, 'database_busy', 'The database is busy with another write (a large import?); retry shortly', undefined, { 'Retry-After': '10' });
      }
      if (!(err instanceof RollBack)) throw err;
      if (options.dryRun) return { status: 200, body: { import_id: null, ...err.builder.build({ batchId: null, dryRun: true, mode: options.mode }) } };
      return this.reject(record, err.builder, options);
    }
  }

  /** Strict mode with bad rows: nothing was inserted; the refusal is kept in the history. */
  private async reject(record: Omit<importsRepository.NewImport, 'status'>, builder: ReportBuilder, options: ImportOptions): Promise<ImportAnswer> {
    builder.inserted = 0;
    const report = builder.build({ batchId: null, dryRun: false, mode: 'strict' });
    return writeTransaction(this.db, async (trx) => {
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

  private async process(trx: Queryable, actor: Principal, source: ImportSource, options: ImportOptions, batchId: string): Promise<ReportBuilder> {
    const builder = new ReportBuilder();
    const writer = new BatchWriter(trx, batchId, options.shopId, actor, builder);
    for await (const batch of source.rows((p) => builder.warn(p))) {
      for (const row of batch) {
        builder.received++;
        const result = validateRow(row, { checkDigitAbsent: options.checkDigitAbsent });
        if (!result.ok) {
          builder.rejectRow(result.problems);
          if (result.problems.some((p) => p.reason.endsWith(CHECK_DIGIT_HINT))) builder.checkDigitSuspects++;
          continue;
        }
        for (const w of result.warnings) builder.warn(w);
        if (writer.add(result.row)) await writer.flush();
      }
    }
    await writer.finish();
    if (builder.received === 0) throw new ValidationError('The file holds no rows to import', [{ field: 'file', reason: 'has no data rows' }], 'empty_import');
    if (builder.checkDigitSuspects > 0) {
      builder.warn({
        line: 1,
        iccid: null,
        field: 'iccid',
        reason: `${builder.checkDigitSuspects} ICCIDs look like they lack their Luhn check digit; ${CHECK_DIGIT_HINT}`,
      });
    }
    return builder;
  }

  private outcome(report: ImportReport): importsRepository.ImportOutcome {
    return { ...reportCounts(report), report: JSON.stringify(report) };
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
