/**
 * Writes an import's valid rows inside the import's transaction: staged in chunks into a
 * temporary table as they are read back from the scratch file (importsRepository.openStage:
 * SQLite multi-row INSERTs, PostgreSQL one COPY FROM STDIN), then moved into `simcards` with one
 * INSERT … SELECT in file order (the database skips an existing ICCID or phone number). Every row
 * not inserted is then explained by SQL over the staged rows: its ICCID existed before
 * (skipped_existing), or this file had it on an earlier line (duplicates_in_file: the SIM carries
 * this import's batch id), or its phone number belongs to another SIM (invalid). Memory does not
 * grow with the file; only the listed problems are read back, up to the report's cap.
 *
 * An import held in memory (a few thousand rows at most) goes in by `finishWith` instead: one
 * INSERT from a JSON value, the stage made only when a row needs explaining. On SQLite a larger
 * one was staged before the transaction, on its connection (importsRepository.HeldStage): it goes
 * in by `finishStaged`, from the INSERT … SELECT on.
 *
 * Without a batch id it is a dry run: the same rows go through the same SQL into a temporary
 * copy instead of `simcards` (importsRepository.insertStagedDry), so the report is the one a
 * real run would give, and nothing outside the connection's temporary tables is written.
 */
import type { Principal } from '@simcard/common';
import { importsRepository, type Queryable } from '@simcard/db';
import { MAX_LISTED_PROBLEMS, type ReportBuilder } from '../import/report.js';
import type { Problem } from '../import/source-row.js';
import type { ValidRow } from '../import/validate-row.js';

/** The stager of a stage filled before the transaction: nothing more comes. */
const STAGE_FILLED: importsRepository.Stager = {
  write: () => Promise.reject(new Error('the stage was filled before the transaction')),
  close: () => Promise.resolve(),
  abort: () => Promise.resolve(),
};

export class BatchWriter {
  private pending: ValidRow[] = [];
  private staged = 0;
  /** The stage's creation, then the stager (an INSERT per chunk on SQLite, one COPY on PostgreSQL); made by the first flush. */
  private stagerOpened: Promise<importsRepository.Stager> | null = null;

  /** What the report calls this import's own SIMs (the dry run's stand-in id when there is no batch). */
  private readonly batchId: string;
  private readonly dryRun: boolean;

  constructor(
    private readonly trx: Queryable,
    batchId: string | null,
    private readonly shopId: number | null,
    private readonly actor: Principal,
    private readonly report: ReportBuilder,
  ) {
    const dryRun = batchId === null;
    this.dryRun = dryRun;
    this.batchId = batchId ?? importsRepository.DRY_RUN_BATCH;
  }

  private get stager(): Promise<importsRepository.Stager> {
    if (!this.stagerOpened) {
      const { trx, dryRun } = this;
      this.stagerOpened = (async () => {
        await importsRepository.createStage(trx);
        if (dryRun) await importsRepository.createDryTarget(trx);
        return importsRepository.openStage(trx);
      })();
    }
    return this.stagerOpened;
  }

  /** Queues a row; true when a chunk is full and `flush()` should be awaited. */
  add(row: ValidRow): boolean {
    this.pending.push(row);
    return this.pending.length >= importsRepository.STAGE_CHUNK_ROWS;
  }

  /** Hands the queued rows to the stager; resolves when it can take the next chunk. */
  async flush(): Promise<void> {
    const stager = await this.stager;
    const chunk = this.pending;
    this.pending = [];
    if (chunk.length === 0) return;
    this.staged += chunk.length;
    await stager.write(chunk);
  }

  /** Stages what is left, inserts everything, and counts what happened to each row. */
  async finish(): Promise<void> {
    await this.flush();
    await (await this.stager).close();
    const batch = { batchId: this.batchId, shopId: this.shopId, userId: this.actor.userId };
    const inserted = this.dryRun
      ? await importsRepository.insertStagedDry(this.trx)
      : await importsRepository.insertStaged(this.trx, batch);
    this.report.inserted += inserted;
    if (!this.dryRun && batch.shopId !== null && inserted > 0)
      await importsRepository.logAssignments(this.trx, { ...batch, shopId: batch.shopId });
    if (inserted < this.staged) await this.explainSkipped(inserted);
    await importsRepository.dropStage(this.trx);
  }

  /**
   * The rows were staged before the transaction, on its connection (importsRepository.HeldStage,
   * SQLite): `staged` of them. Inserts and counts them as `finish` does.
   */
  async finishStaged(staged: number): Promise<void> {
    const { trx, dryRun } = this;
    this.staged = staged;
    this.stagerOpened = (async () => {
      if (dryRun) await importsRepository.createDryTarget(trx);
      return STAGE_FILLED;
    })();
    await this.finish();
  }

  /**
   * All the rows at once, instead of add/flush/finish: an import small enough to be held in
   * memory. A real import inserts them straight into `simcards` (importsRepository.insertRows:
   * one statement); the stage is made only when some row did not go in, to explain it. A dry run
   * takes the staged way (its stand-in table is what the explanations read).
   */
  async finishWith(rows: ValidRow[]): Promise<void> {
    if (this.dryRun) {
      for (const row of rows) this.pending.push(row);
      return this.finish();
    }
    const batch = { batchId: this.batchId, shopId: this.shopId, userId: this.actor.userId };
    const inserted = await importsRepository.insertRows(this.trx, rows, batch);
    this.report.inserted += inserted;
    if (batch.shopId !== null && inserted > 0) await importsRepository.logAssignments(this.trx, { ...batch, shopId: batch.shopId });
    if (inserted === rows.length) return;
    for (const row of rows) this.pending.push(row);
    await this.flush();
    await (await this.stager).close();
    await this.explainSkipped(inserted);
    await importsRepository.dropStage(this.trx);
  }

  /**
   * Ends a stage left half-written by a failure, before the transaction rolls back: on
   * PostgreSQL a COPY still open would keep the connection (and the ROLLBACK) waiting.
   */
  async abort(): Promise<void> {
    const stager = await this.stagerOpened?.catch(() => null);
    await stager?.abort();
  }

  private async explainSkipped(inserted: number): Promise<void> {
    const found = this.dryRun
      ? await importsRepository.countStagedFoundDry(this.trx)
      : await importsRepository.countStagedFound(this.trx, this.batchId);
    this.report.skippedExisting += found.earlier;
    this.report.duplicatesInFile += found.thisBatch - inserted;
    const conflicts = this.staged - found.earlier - found.thisBatch;
    if (conflicts === 0) return;
    const listed = this.dryRun
      ? await importsRepository.stagedPhoneConflictsDry(this.trx, MAX_LISTED_PROBLEMS)
      : await importsRepository.stagedPhoneConflicts(this.trx, MAX_LISTED_PROBLEMS);
    this.report.rejectRows(
      conflicts,
      listed.map((r): Problem => ({
        line: Number(r.line),
        iccid: r.iccid,
        field: 'msisdn',
        ...(r.owner_iccid === null
          ? { reason: 'could not be inserted', code: 'import.not_inserted' }
          : r.owner_batch_id === this.batchId
            ? {
                reason: `${r.msisdn} is also on line ${r.owner_line} of this file (ICCID ${r.owner_iccid})`,
                code: 'msisdn.repeated_in_file',
                params: { msisdn: String(r.msisdn), line: Number(r.owner_line), iccid: r.owner_iccid },
              }
            : {
                reason: `${r.msisdn} already belongs to SIM card ${r.owner_iccid}`,
                code: 'msisdn.taken',
                params: { msisdn: String(r.msisdn), iccid: r.owner_iccid },
              }),
      })),
    );
  }
}
