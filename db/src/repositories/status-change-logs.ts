/**
 * Searching the status check log (`status_check_logs`), newest first. Each filter has an index
 * ordered by `checked_at` (migration 0502), so a page is an index range read backwards.
 */
import type { Knex } from 'knex';
import type { Queryable } from '../connection.js';
import type { CheckSource, Page, PageRequest, SimcardStatus, StatusCheckLogRow } from '../rows.js';
import { countOf } from './query-helpers.js';
import * as rowCounts from './row-counts.js';

export interface StatusChangeLogFilter {
  /** Logs of the SIMs this shop holds now (staff scope, or an admin's filter). */
  shopId?: number;
  simcardId?: number;
  iccid?: string;
  /** The status the check found. */
  status?: SimcardStatus;
  source?: CheckSource;
  runId?: number;
  errorsOnly?: boolean;
  /** Inclusive lower and exclusive upper bound on checked_at, ISO-8601. */
  from?: string;
  to?: string;
}

export type StatusChangeLogEntry = StatusCheckLogRow & { shop_id: number | null };

function filtered(db: Queryable, f: StatusChangeLogFilter): Knex.QueryBuilder {
  const qb = db('status_check_logs as l');
  if (f.shopId !== undefined) qb.join('simcards as s', 's.id', 'l.simcard_id').where('s.shop_id', f.shopId);
  if (f.simcardId !== undefined) qb.where('l.simcard_id', f.simcardId);
  if (f.iccid !== undefined) qb.where('l.iccid', f.iccid);
  if (f.status !== undefined) qb.where('l.new_status', f.status);
  if (f.source !== undefined) qb.where('l.source', f.source);
  if (f.runId !== undefined) qb.where('l.run_id', f.runId);
  if (f.errorsOnly) qb.whereNotNull('l.error_message');
  if (f.from !== undefined) qb.where('l.checked_at', '>=', f.from);
  if (f.to !== undefined) qb.where('l.checked_at', '<', f.to);
  return qb;
}

export async function search(db: Queryable, filter: StatusChangeLogFilter, page: PageRequest): Promise<Page<StatusChangeLogEntry>> {
  const pageRows = filtered(db, filter)
    .select('l.*')
    .orderBy('l.checked_at', 'desc')
    .orderBy('l.id', 'desc')
    .limit(page.limit)
    .offset(page.offset);
  // The SIM's shop is looked up outside the paged subquery: inside it, PostgreSQL computes the
  // lookup for every row the OFFSET skips too (10,000 lookups for a page at offset 10,000).
  const rows = db
    .select('p.*', db.raw('(select shop_id from simcards where simcards.id = p.simcard_id) as shop_id'))
    .from(pageRows.as('p'))
    .orderBy('p.checked_at', 'desc')
    .orderBy('p.id', 'desc');
  const [data, total] = await Promise.all([
    rows,
    isUnfiltered(filter) ? rowCounts.count(db, 'status_check_logs') : countOf(filtered(db, filter)),
  ]);
  return { rows: data as StatusChangeLogEntry[], total };
}

/** No filter at all: the whole log, whose size the database keeps counted (migration 0803). */
function isUnfiltered(f: StatusChangeLogFilter): boolean {
  return Object.values(f).every((v) => v === undefined || v === false);
}
