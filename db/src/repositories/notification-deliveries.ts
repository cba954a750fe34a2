/** The outbox of sale notifications and its delivery log. */
import { isSqlite, type Queryable } from '../connection.js';
import type { DbTimestamp, Page, PageRequest } from '../rows.js';
import { now } from '../time.js';
import { countOf } from './query-helpers.js';

export type DeliveryChannel = 'webhook' | 'telegram';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryRow {
  id: number;
  channel: DeliveryChannel;
  target: string;
  event: string;
  simcard_id: number | null;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: DbTimestamp;
  response_status: number | null;
  last_error: string | null;
  created_at: DbTimestamp;
  delivered_at: DbTimestamp | null;
}

export type NewDelivery = Pick<DeliveryRow, 'channel' | 'target' | 'event' | 'simcard_id' | 'payload'>;

export async function enqueue(db: Queryable, deliveries: NewDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  const at = now();
  await db('notification_deliveries').insert(
    deliveries.map((d) => ({ ...d, status: 'pending', attempts: 0, next_attempt_at: at, created_at: at })),
  );
}

/**
 * Takes up to `limit` due deliveries of a channel and leases them until `leaseUntil`: a process
 * that dies while sending leaves them to be sent again then (at least once; receivers dedupe by id).
 *
 * One statement, so two dispatchers never take the same delivery: on PostgreSQL the candidates
 * are locked with SKIP LOCKED (a second dispatcher takes the next ones instead of waiting), and
 * the outer conditions are rechecked on a row another dispatcher leased meanwhile; SQLite runs
 * one writing statement at a time.
 */
export async function claimDue(db: Queryable, channel: DeliveryChannel, limit: number, leaseUntil: string): Promise<DeliveryRow[]> {
  const at = now();
  const due = () => db('notification_deliveries').where({ channel, status: 'pending' }).andWhere('next_attempt_at', '<=', at);
  const candidates = due().select('id').orderBy('id').limit(limit);
  if (!isSqlite(db)) candidates.forUpdate().skipLocked();
  // Materialized: as a plain IN subquery PostgreSQL may rescan it for each row it updates, and
  // the LIMIT then no longer bounds the claim.
  const rows = (await due()
    .withMaterialized('claimed', candidates)
    .whereIn('id', db.select('id').from('claimed'))
    .update({ next_attempt_at: leaseUntil })
    .returning('*')) as DeliveryRow[];
  // RETURNING has no order; deliveries go out oldest first.
  return rows.sort((a, b) => a.id - b.id);
}

export async function markDelivered(db: Queryable, ids: number[], responseStatus: number): Promise<void> {
  const at = now();
  await db('notification_deliveries')
    .whereIn('id', ids)
    .update({ status: 'delivered', attempts: db.raw('attempts + 1'), response_status: responseStatus, last_error: null, delivered_at: at });
}

/** One more failed attempt: retried at `retryAt`, or `failed` for good when that is null. */
export async function markAttemptFailed(
  db: Queryable,
  ids: number[],
  error: string,
  responseStatus: number | null,
  retryAt: string | null,
): Promise<void> {
  await db('notification_deliveries')
    .whereIn('id', ids)
    .update({
      status: retryAt === null ? 'failed' : 'pending',
      attempts: db.raw('attempts + 1'),
      response_status: responseStatus,
      last_error: error.slice(0, 500),
      ...(retryAt === null ? {} : { next_attempt_at: retryAt }),
    });
}

export interface DeliveryFilter {
  channel?: DeliveryChannel;
  status?: DeliveryStatus;
}

export async function list(db: Queryable, filter: DeliveryFilter, page: PageRequest): Promise<Page<DeliveryRow>> {
  const qb = db<DeliveryRow>('notification_deliveries');
  if (filter.channel) qb.where('channel', filter.channel);
  if (filter.status) qb.where('status', filter.status);
  const [rows, total] = await Promise.all([qb.clone().orderBy('id', 'desc').limit(page.limit).offset(page.offset), countOf(qb.clone())]);
  return { rows, total };
}

/** Where an alert episode stands (`alert_states`); `initial` when nothing was recorded yet. */
export async function alertState(db: Queryable, name: string, initial: string): Promise<string> {
  const row = (await db('alert_states').where({ name }).first('state')) as { state: string } | undefined;
  return row?.state ?? initial;
}

/**
 * Moves an alert from `from` to `to`: true for the one caller that did it, who then queues the
 * alert in the same transaction. A missing row counts as being in `initial`.
 */
export async function moveAlertState(db: Queryable, name: string, initial: string, from: string, to: string): Promise<boolean> {
  const at = now();
  await db('alert_states').insert({ name, state: initial, since: at }).onConflict('name').ignore();
  const n = await db('alert_states').where({ name, state: from }).update({ state: to, since: at });
  return n === 1;
}
