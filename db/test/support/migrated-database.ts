/** A migrated test database (SQLite file or PostgreSQL schema, per TEST_DB) shared by one test file. */
import { createDatabase, type Db, migrateToLatest } from '@simcard/db';
import { createTestDatabase, type TestDatabase } from '@simcard/db/testing';

/**
 * Creates and migrates the database before the file's tests and drops it after them; `pools`
 * knex instances on it (more than one: several processes). Read `dbs` inside tests only.
 */
export function useMigratedDatabase(pools = 1): { dbs: Db[] } {
  const state: { dbs: Db[] } = { dbs: [] };
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    state.dbs = Array.from({ length: pools }, () => createDatabase(database!.config));
    await migrateToLatest(state.dbs[0]!);
  });
  afterAll(async () => {
    await Promise.all(state.dbs.map((db) => db.destroy()));
    await database?.drop();
  });
  return state;
}
