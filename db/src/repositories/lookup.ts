/** Which of a list of ICCIDs we hold: one indexed IN per chunk (the unique ICCID index). */
import type { Queryable } from '../connection.js';
import type { SimcardStatus } from '../rows.js';

export interface HeldSimRow {
  id: number;
  iccid: string;
  status: SimcardStatus;
  shop_id: number | null;
  shop_code: string | null;
  shop_name: string | null;
}

/** Bound parameters per statement stay far below SQLite's and PostgreSQL's limits. */
const CHUNK = 1000;

export async function held(db: Queryable, iccids: readonly string[], shopId: number | null): Promise<HeldSimRow[]> {
  const out: HeldSimRow[] = [];
  for (let i = 0; i < iccids.length; i += CHUNK) {
    const qb = db('simcards as s')
      .leftJoin('shops as sh', 'sh.id', 's.shop_id')
      .select('s.id', 's.iccid', 's.status', 's.shop_id', 'sh.code as shop_code', 'sh.name as shop_name')
      .whereIn('s.iccid', iccids.slice(i, i + CHUNK));
    if (shopId !== null) qb.where('s.shop_id', shopId);
    out.push(...((await qb) as HeldSimRow[]));
  }
  return out;
}
