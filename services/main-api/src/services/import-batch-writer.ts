/**
 * Writes an import's valid rows inside the import's transaction: staged in chunks into a
 * temporary table while the file is still being parsed, then moved into `simcards` with one
 * INSERT … SELECT in file order (the database skips an existing ICCID or phone number). Every row
 * not inserted is then explained by SQL over the staged rows: its ICCID existed before
 * (skipped_existing), or this file had it on an earlier line (duplicates_in_file: the SIM carries
 * this import's batch id), or its phone number belongs to another SIM (invalid). Memory does not
 * grow with the file; only the listed problems are read back, up to the report's cap.
 */
import type { Principal } from '@simcard/common';
import { importsRepository, type Queryable } from '@simcard/db';
import { MAX_LISTED_PROBLEMS, type ReportBuilder } from '../import/report.js';
import type { ValidRow } from '../import/validate-row.js';

export class BatchWriter {
  private pending: ValidRow[] = [];
  private inFlight: Promise<void> = Promise.resolve();
  private staged = 0;

  constructor(
    private readonly trx: Queryable,
    private readonly batchId: string,
    private readonly shopId: number | null,
    private readonly actor: Principal,
    private readonly report: ReportBuilder,
  ) {
    this.inFlight = importsRepository.createStage(trx);
    this.inFlight.catch(() => {}); // awaited by the first flush
  }

  /** Queues a row; true when a chunk is full and `flush()` should be awaited. */
  add(row: ValidRow): boolean {
    this.pending.push(row);
    return this.pending.length >= importsRepository.STAGE_CHUNK_ROWS;
  }

  /** Starts staging the queued rows once the previous chunk is staged (and waits only for that). */
  async flush(): Promise<void> {
    await this.inFlight;
    const chunk = this.pending;
    this.pending = [];
    if (chunk.length === 0) return;
    this.staged += chunk.length;
    this.inFlight = importsRepository.stageRows(this.trx, chunk);
    // Awaited by the next flush or finish(); this only keeps a failure from being "unhandled" meanwhile.
    this.inFlight.catch(() => {});
  }

  /** Stages what is left, inserts everything, and counts what happened to each row. */
  async finish(): Promise<void> {
    await this.flush();
    await this.inFlight;
    const batch = { batchId: this.batchId, shopId: this.shopId, userId: this.actor.userId };
    const inserted = await importsRepository.insertStaged(this.trx, batch);
    this.report.inserted += inserted;
    if (batch.shopId !== null && inserted > 0) await importsRepository.logAssignments(this.trx, { ...batch, shopId: batch.shopId });
    if (inserted < this.staged) await this.explainSkipped(inserted);
    await importsRepository.dropStage(this.trx);
  }

  private async explainSkipped(inserted: number): Promise<void> {
    const found = await importsRepository.countStagedFound(this.trx, this.batchId);
    this.report.skippedExisting += found.earlier;
    this.report.duplicatesInFile += found.thisBatch - inserted;
    const conflicts = this.staged - found.earlier - found.thisBatch;
    if (conflicts === 0) return;
    const listed = await importsRepository.stagedPhoneConflicts(this.trx, MAX_LISTED_PROBLEMS);
    this.report.rejectRows(
      conflicts,
      listed.map((r) => ({
        line: Number(r.line),
        iccid: r.iccid,
        field: 'msisdn',
        reason:
          r.owner_iccid === null
            ? 'could not be inserted'
            : r.owner_batch_id === this.batchId
              ? `${r.msisdn} is also on line ${r.owner_line} of this file (ICCID ${r.owner_iccid})`
              : `${r.msisdn} already belongs to SIM card ${r.owner_iccid}`,
      })),
    );
  }
}
