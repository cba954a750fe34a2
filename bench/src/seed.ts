/**
 * A benchmark database: migrated by the real migrations, then filled with `count` SIM cards
 * across 20 shops through one prepared statement in one transaction (fast, and the same rows
 * the API would write).
 */
import { appendCheckDigit } from '@simcard/common';
import { createDatabase, migrateToLatest } from '@simcard/db';
import sqlite3 from 'sqlite3';

function run(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
}

export interface SeedOptions {
  /** Every SIM assigned to a shop (the auto-check's work); otherwise a third each in stock, assigned and sold. */
  allAssigned?: boolean;
}

export async function seedSqlite(filename: string, count: number, options: SeedOptions = {}): Promise<void> {
  const knex = createDatabase({ client: 'sqlite', filename });
  await migrateToLatest(knex);
  await knex.destroy();

  const db = new sqlite3.Database(filename);
  const at = new Date().toISOString();
  await run(db, 'BEGIN');
  for (let s = 1; s <= 20; s++) {
    await run(db, 'INSERT INTO shops (name, code, is_active, created_at, updated_at) VALUES (?, ?, 1, ?, ?)', [
      `Shop ${s}`,
      `S${s}`,
      at,
      at,
    ]);
  }
  const statuses = ['in_stock', 'assigned', 'sold'] as const;
  const stmt = db.prepare(
    `INSERT INTO simcards (iccid, msisdn, operator, price, batch_id, shop_id, status, assigned_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  await new Promise<void>((resolve, reject) => {
    let pending = count;
    for (let i = 1; i <= count; i++) {
      const status = options.allAssigned ? 'assigned' : statuses[i % 3]!;
      const shop = status === 'in_stock' ? null : (i % 20) + 1;
      stmt.run(
        [
          appendCheckDigit(`8999801${String(i).padStart(11, '0')}`),
          `+99890${String(i).padStart(7, '0')}`,
          'beeline',
          15000,
          `B${Math.ceil(i / 1000)}`,
          shop,
          status,
          shop ? at : null,
          at,
          at,
        ],
        (err) => {
          if (err) reject(err);
          else if (--pending === 0) resolve();
        },
      );
    }
  });
  await new Promise<void>((resolve, reject) => stmt.finalize((err) => (err ? reject(err) : resolve())));
  await run(db, 'COMMIT');
  await new Promise<void>((resolve) => db.close(() => resolve()));
}
