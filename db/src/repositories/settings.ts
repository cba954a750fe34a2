import type { Queryable } from '../connection.js';

export async function get(db: Queryable, key: string): Promise<string | null> {
  const row = await db('app_settings').where({ key }).first('value');
  return row ? (row.value as string) : null;
}

/** Stores `value` unless the key exists, and answers what is stored (first writer wins). */
export async function getOrInsert(db: Queryable, key: string, value: string): Promise<string> {
  await db('app_settings').insert({ key, value }).onConflict('key').ignore();
  return (await get(db, key))!;
}
