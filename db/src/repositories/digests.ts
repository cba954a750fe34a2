/**
 * The daily digest's claims (one per chat and dealer day, migration 1701) and its figures.
 * A claim is an insert that only one process can win: the primary key (chat_id, day) decides.
 */
import type { Queryable } from '../connection.js';
import { isUniqueViolation } from '../errors.js';
import type { DbTimestamp } from '../rows.js';
import { now } from '../time.js';
import { num } from './sql-dates.js';

/** True when this process won the (chat, day) claim; false when another (or an earlier run) has it. */
export async function claim(db: Queryable, chatId: string, day: string, kind: 'shop' | 'admin', shopId: number | null): Promise<boolean> {
  try {
    const inserted = await db('digest_claims')
      .insert({ chat_id: chatId, day, kind, shop_id: shopId, claimed_at: now() })
      .onConflict(['chat_id', 'day'])
      .ignore()
      .returning('chat_id');
    return (inserted as unknown[]).length > 0;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

export async function markSent(db: Queryable, chatId: string, day: string, error: string | null): Promise<void> {
  await db('digest_claims')
    .where({ chat_id: chatId, day })
    .update(error === null ? { sent_at: now(), error: null } : { error: error.slice(0, 500) });
}

export interface DigestClaimRow {
  chat_id: string;
  day: string;
  kind: string;
  shop_id: number | null;
  claimed_at: DbTimestamp;
  sent_at: DbTimestamp | null;
  error: string | null;
}

export function claims(db: Queryable, day: string): Promise<DigestClaimRow[]> {
  return db<DigestClaimRow>('digest_claims').where({ day }).orderBy('chat_id');
}

export interface ShopDigestRow {
  shop_id: number;
  name: string;
  code: string;
  telegram_chat_id: string | null;
  telegram_language: string | null;
  sold_today: number;
  on_hand: number;
  oldest_assigned_at: DbTimestamp | null;
}

/** Per active shop: sales credited today ([from, to)), SIMs on hand unsold, the oldest of them. */
export async function shopFigures(db: Queryable, from: string, to: string): Promise<ShopDigestRow[]> {
  const sold = db('simcards')
    .select('sold_shop_id')
    .count({ n: '*' })
    .where('sold_at', '>=', from)
    .where('sold_at', '<', to)
    .whereNotNull('sold_shop_id')
    .groupBy('sold_shop_id');
  const held = db('simcards')
    .select('shop_id', db.raw('count(*) as n'), db.raw('min(assigned_at) as oldest'))
    .whereNotNull('shop_id')
    .whereNull('sold_at')
    .where('status', 'assigned')
    .groupBy('shop_id');
  const rows = (await db('shops')
    .leftJoin(sold.as('s'), 's.sold_shop_id', 'shops.id')
    .leftJoin(held.as('h'), 'h.shop_id', 'shops.id')
    .select(
      'shops.id as shop_id',
      'shops.name',
      'shops.code',
      'shops.telegram_chat_id',
      'shops.telegram_language',
      's.n as sold_today',
      'h.n as on_hand',
      'h.oldest as oldest_assigned_at',
    )
    .where('shops.is_active', true)
    .orderBy('shops.id')) as Record<string, unknown>[];
  return rows.map((r) => ({
    shop_id: Number(r.shop_id),
    name: r.name as string,
    code: r.code as string,
    telegram_chat_id: (r.telegram_chat_id as string | null) ?? null,
    telegram_language: (r.telegram_language as string | null) ?? null,
    sold_today: num(r.sold_today),
    on_hand: num(r.on_hand),
    oldest_assigned_at: (r.oldest_assigned_at as DbTimestamp | null) ?? null,
  }));
}

/** Sales today credited to no shop, and check runs that failed today. */
export async function dealerExtras(
  db: Queryable,
  from: string,
  to: string,
): Promise<{ soldFromStock: number; failedRuns: number; newAnomalies: number }> {
  const [stock, runs, leaks] = await Promise.all([
    db('simcards')
      .where('sold_at', '>=', from)
      .where('sold_at', '<', to)
      .whereNull('sold_shop_id')
      .whereNotNull('sold_at')
      .count({ n: '*' })
      .first(),
    db('check_runs')
      .where('started_at', '>=', from)
      .where('started_at', '<', to)
      .whereIn('status', ['failed', 'interrupted'])
      .count({ n: '*' })
      .first(),
    // Anomalies new today: sales recorded today that were activated before reaching their shop, or from stock.
    db('simcards')
      .where('sold_at', '>=', from)
      .where('sold_at', '<', to)
      .where((q) => q.whereNull('sold_shop_id').orWhereRaw('activated_at < sold_shop_since'))
      .count({ n: '*' })
      .first(),
  ]);
  const n = (r: unknown) => num((r as { n?: unknown } | undefined)?.n);
  return { soldFromStock: n(stock), failedRuns: n(runs), newAnomalies: n(leaks) };
}
