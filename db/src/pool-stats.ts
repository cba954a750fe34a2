/** The connection pool as the metrics report it (knex's pool is tarn.js). */
import type { Db } from './connection.js';

export interface PoolStats {
  used: number;
  free: number;
  pendingAcquires: number;
  pendingCreates: number;
}

interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
}

/** Null before the pool exists or after it was destroyed. */
export function poolStats(db: Db): PoolStats | null {
  const pool = (db.client as { pool?: TarnPool | null }).pool;
  if (!pool) return null;
  return {
    used: pool.numUsed(),
    free: pool.numFree(),
    pendingAcquires: pool.numPendingAcquires(),
    pendingCreates: pool.numPendingCreates(),
  };
}
