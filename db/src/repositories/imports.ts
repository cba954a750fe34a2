/**
 * Imports (`imports` table) and the SQL of a bulk import: SIMs inserted many per statement,
 * existing ones skipped by the database itself, and the lookups that explain a skipped row.
 */
import { isSqlite, type Queryable } from '../connection.js';
import type { DbBoolean, DbTimestamp, Page, PageRequest } from '../rows.js';
import { now } from '../time.js';
import { countOf } from './query-helpers.js';

export type ImportFormat = 'json' | 'csv' | 'xlsx' | 'text';
export type ImportStatus = 'completed' | 'rejected';

export interface ImportRow {
  id: number;
  batch_id: string | null;
  status: ImportStatus;
  user_id: number | null;
  username: string;
  file_name: string | null;
  format: ImportFormat;
  mode: 'partial' | 'strict';
  check_digit_absent: DbBoolean;
  shop_id: number | null;
  size_bytes: number | string;
  received: number;
  inserted: number;
  skipped_existing: number;
  duplicates_in_file: number;
  invalid_rows: number;
  warning_count: number;
  /** JSON text. */
  report: string;
  created_at: DbTimestamp;
  finished_at: DbTimestamp | null;
}

export type ImportSummary = Omit<ImportRow, 'report'>;

export type NewImport = Pick<ImportRow, 'status' | 'user_id' | 'username' | 'file_name' | 'format' | 'mode' | 'shop_id'> & {
  check_digit_absent: boolean;
  size_bytes: number;
};

export type ImportOutcome = Pick<ImportRow, 'received' | 'inserted' | 'skipped_existing' | 'duplicates_in_file' | 'invalid_rows' | 'warning_count'> & {
  report: string;
};

/** The batch id of import `id`: what its SIMs carry in `simcards.batch_id`. */
export function batchIdFor(id: number): string {
  return `import-${id}`;
}

/** Inserts the import's row (its report still empty) and answers its id and batch id (none when rejected). */
export async function insertStarted(db: Queryable, fields: NewImport): Promise<{ id: number; batchId: string | null }> {
  const [row] = await db('imports')
    .insert({ ...fields, report: '{}', created_at: now() })
    .returning('id');
  const id = Number(typeof row === 'object' ? (row as { id: number }).id : row);
  const batchId = fields.status === 'rejected' ? null : batchIdFor(id);
  if (batchId) await db('imports').where({ id }).update({ batch_id: batchId });
  return { id, batchId };
}

export async function finish(db: Queryable, id: number, outcome: ImportOutcome): Promise<void> {
  await db('imports').where({ id }).update({ ...outcome, finished_at: now() });
}

const SUMMARY_COLUMNS = [
  'id',
  'batch_id',
  'status',
  'user_id',
  'username',
  'file_name',
  'format',
  'mode',
  'check_digit_absent',
  'shop_id',
  'size_bytes',
  'received',
  'inserted',
  'skipped_existing',
  'duplicates_in_file',
  'invalid_rows',
  'warning_count',
  'created_at',
  'finished_at',
] as const;

/** Newest first, without the reports (a page of summaries stays small). */
export async function list(db: Queryable, page: PageRequest): Promise<Page<ImportSummary>> {
  const qb = db<ImportRow>('imports');
  const [rows, total] = await Promise.all([
    qb.clone().select(...SUMMARY_COLUMNS).orderBy('id', 'desc').limit(page.limit).offset(page.offset),
    countOf(qb.clone()),
  ]);
  return { rows: rows as ImportSummary[], total };
}

export function findById(db: Queryable, id: number): Promise<ImportRow | undefined> {
  return db<ImportRow>('imports').where({ id }).first();
}

/** A valid row of the file, staged before it goes into `simcards`. */
export interface StagedRow {
  line: number;
  iccid: string;
  msisdn: string | null;
  operator: string | null;
  tariff: string | null;
  price: number | null;
}

/** What every SIM of one import shares. */
export interface BatchValues {
  batchId: string;
  shopId: number | null;
  userId: number;
}

const STAGE_COLUMNS = ['line', 'iccid', 'msisdn', 'operator', 'tariff', 'price'] as const;
const STAGE_ROW = `(${STAGE_COLUMNS.map(() => '?').join(',')})`;

/**
 * Rows per staging INSERT: 6 columns × 5000 = 30,000 bindings, under SQLite's 32,766 (and
 * PostgreSQL's 65,535). Raw SQL: knex's builder caps SQLite multi-row inserts at 500 rows.
 */
export const STAGE_CHUNK_ROWS = 5000;

/**
 * The import's rows go first into a temporary table without indexes, then into `simcards` with
 * one INSERT … SELECT, as the sqlite3 CLI's `.import` does: measured 1.5× faster on 500,000 rows
 * than many multi-row INSERTs into the indexed table. The table lives in the transaction (dropped
 * before commit, and its creation undone by a rollback).
 */
export async function createStage(db: Queryable): Promise<void> {
  const columns = 'line integer not null, iccid varchar(20) not null, msisdn varchar(13), operator varchar(32), tariff varchar(64), price integer';
  if (isSqlite(db)) await db.raw(`create temp table import_stage (${columns})`);
  else await db.raw(`create temp table import_stage (${columns}) on commit drop`);
}

export async function dropStage(db: Queryable): Promise<void> {
  if (isSqlite(db)) await db.raw('drop table temp.import_stage');
}

const stageStatements = new Map<number, string>();

export async function stageRows(db: Queryable, rows: StagedRow[]): Promise<void> {
  if (rows.length === 0) return;
  if (rows.length > STAGE_CHUNK_ROWS) throw new RangeError(`at most ${STAGE_CHUNK_ROWS} rows per call`);
  let sql = stageStatements.get(rows.length);
  if (!sql) {
    sql = `insert into import_stage (${STAGE_COLUMNS.join(', ')}) values ${Array.from({ length: rows.length }, () => STAGE_ROW).join(',')}`;
    if (stageStatements.size < 4) stageStatements.set(rows.length, sql);
  }
  const bindings: (string | number | null)[] = [];
  for (const r of rows) bindings.push(r.line, r.iccid, r.msisdn, r.operator, r.tariff, r.price);
  await db.raw(sql, bindings);
}

/**
 * The staged rows into `simcards`, in file order, an existing ICCID or phone number skipped by
 * the database (no conflict target: both unique columns). Answers how many were inserted.
 */
export async function insertStaged(db: Queryable, batch: BatchValues): Promise<number> {
  const at = now();
  const status = batch.shopId === null ? 'in_stock' : 'assigned';
  const assignedAt = batch.shopId === null ? null : at;
  // `where true`: SQLite needs it to parse ON CONFLICT after INSERT … SELECT.
  await db.raw(
    `insert into simcards (iccid, msisdn, operator, tariff, price, batch_id, shop_id, status, assigned_at, created_at, updated_at)
     select iccid, msisdn, operator, tariff, price, ?, ?, ?, ?, ?, ? from import_stage where true order by line
     on conflict do nothing`,
    [batch.batchId, batch.shopId, status, assignedAt, at, at],
  );
  return countOf(db('simcards').where({ batch_id: batch.batchId }));
}

/** One `assigned` log per SIM of the batch (imported straight into a shop). */
export async function logAssignments(db: Queryable, batch: BatchValues & { shopId: number }): Promise<void> {
  await db.raw(
    `insert into assignment_logs (simcard_id, iccid, from_shop_id, to_shop_id, action, user_id, created_at)
     select id, iccid, null, ?, 'assigned', ?, ? from simcards where batch_id = ?`,
    [batch.shopId, batch.userId, now(), batch.batchId],
  );
}

/** Staged rows whose ICCID is in `simcards`: from an earlier import (skipped) or this batch (its first occurrence, plus repeats). */
export async function countStagedFound(db: Queryable, batchId: string): Promise<{ earlier: number; thisBatch: number }> {
  const rows = (await db.raw(
    `select coalesce(sum(case when c.batch_id = ? then 1 else 0 end), 0) as this_batch, count(*) as found
     from import_stage s join simcards c on c.iccid = s.iccid`,
    [batchId],
  )) as unknown;
  const row = (Array.isArray(rows) ? rows[0] : (rows as { rows: unknown[] }).rows[0]) as { this_batch: number | string; found: number | string };
  const thisBatch = Number(row.this_batch);
  return { earlier: Number(row.found) - thisBatch, thisBatch };
}

export interface PhoneConflict {
  line: number;
  iccid: string;
  msisdn: string | null;
  owner_iccid: string | null;
  owner_batch_id: string | null;
  /** The owner's line in this file, when the owner came from it. */
  owner_line: number | null;
}

/** Staged rows not inserted although their ICCID is new: their phone number belongs to another SIM. */
export async function stagedPhoneConflicts(db: Queryable, limit: number): Promise<PhoneConflict[]> {
  return db('import_stage as s')
    .leftJoin('simcards as c', 'c.iccid', 's.iccid')
    .leftJoin('simcards as o', 'o.msisdn', 's.msisdn')
    .whereNull('c.id')
    .orderBy('s.line')
    .limit(limit)
    .select('s.line', 's.iccid', 's.msisdn', 'o.iccid as owner_iccid', 'o.batch_id as owner_batch_id', db.raw('(select min(f.line) from import_stage f where f.iccid = o.iccid) as owner_line'));
}
