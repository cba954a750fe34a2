/**
 * The data layer on a real database (SQLite file or PostgreSQL schema, per TEST_DB):
 * migrations up, down and up again; concurrent start-up; per-connection SQLite settings;
 * the constraints the data model (docs/domain.md#data-model) relies on; write transactions that roll back.
 * Every test creates its own database and drops it.
 */
import {
  createDatabase,
  type Db,
  isForeignKeyViolation,
  isUniqueViolation,
  migrateToLatest,
  migrations,
  migrationStatus,
  now,
  rollbackAll,
  writeTransaction,
} from '@simcard/db';
import { createTestDatabase, type TestDatabase, testDialect } from '@simcard/db/testing';

const TABLES = ['app_settings', 'shops', 'users', 'revoked_tokens', 'simcards', 'assignment_logs', 'status_check_logs', 'check_runs'];

// Every migration in the ordered list, by name: a new one is covered without editing this test.
const MIGRATIONS = migrations.map((m) => m.name);

const sqliteOnly = testDialect() === 'sqlite' ? test : test.skip;
const postgresOnly = testDialect() === 'postgres' ? test : test.skip;

/** A fresh database with `count` knex instances on it; everything is closed and dropped afterwards. */
async function withDatabase(work: (dbs: Db[], database: TestDatabase) => Promise<void>, count = 1): Promise<void> {
  const database = await createTestDatabase();
  const dbs = Array.from({ length: count }, () => createDatabase(database.config));
  try {
    await work(dbs, database);
  } finally {
    await Promise.all(dbs.map((db) => db.destroy()));
    await database.drop();
  }
}

async function withMigratedDatabase(work: (db: Db) => Promise<void>): Promise<void> {
  await withDatabase(async ([db]) => {
    await migrateToLatest(db!);
    await work(db!);
  });
}

async function existingTables(db: Db): Promise<string[]> {
  const present: string[] = [];
  for (const table of TABLES) if (await db.schema.hasTable(table)) present.push(table);
  return present;
}

/** The error `promise` rejects with; fails the test when it resolves. */
async function failure(promise: PromiseLike<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail, and it succeeded');
}

let seq = 0;
const unique = (label: string) => `${label}${process.pid}x${++seq}`;

function shopRow(fields: Record<string, unknown> = {}) {
  const at = now();
  return { name: 'Shop', code: unique('C').slice(0, 16), created_at: at, updated_at: at, ...fields };
}

function userRow(fields: Record<string, unknown> = {}) {
  const at = now();
  return { username: unique('u'), password_hash: 'x', role: 'admin', created_at: at, updated_at: at, ...fields };
}

function simcardRow(fields: Record<string, unknown> = {}) {
  const at = now();
  return { iccid: `8999${String(++seq).padStart(15, '0')}`, status: 'in_stock', created_at: at, updated_at: at, ...fields };
}

async function insertShop(db: Db, fields: Record<string, unknown> = {}): Promise<number> {
  const [row] = await db('shops').insert(shopRow(fields)).returning('id');
  return (row as { id: number }).id;
}

async function countRows(db: Db, table: string): Promise<number> {
  const row = await db(table).count({ n: '*' }).first();
  return Number(row?.n);
}

describe('migrations', () => {
  test('up creates every table; down (rollbackAll) removes them all; up again recreates them', async () => {
    await withDatabase(async ([db]) => {
      expect(await migrationStatus(db!)).toEqual({ applied: [], pending: MIGRATIONS });
      expect(await existingTables(db!)).toEqual([]);

      expect(await migrateToLatest(db!)).toEqual(MIGRATIONS);
      expect(await existingTables(db!)).toEqual(TABLES);
      expect(await migrationStatus(db!)).toEqual({ applied: MIGRATIONS, pending: [] });

      expect((await rollbackAll(db!)).sort()).toEqual([...MIGRATIONS].sort());
      expect(await existingTables(db!)).toEqual([]);
      expect(await migrationStatus(db!)).toEqual({ applied: [], pending: MIGRATIONS });

      expect(await migrateToLatest(db!)).toEqual(MIGRATIONS);
      expect(await existingTables(db!)).toEqual(TABLES);
      expect(await migrationStatus(db!)).toEqual({ applied: MIGRATIONS, pending: [] });
    });
  });

  test('migrating an up-to-date database applies nothing', async () => {
    await withDatabase(async ([db]) => {
      await migrateToLatest(db!);
      expect(await migrateToLatest(db!)).toEqual([]);
      expect(await countRows(db!, 'knex_migrations')).toBe(MIGRATIONS.length);
    });
  });

  test('the tables work after a round trip: rows can be written and read', async () => {
    await withDatabase(async ([db]) => {
      await migrateToLatest(db!);
      await rollbackAll(db!);
      await migrateToLatest(db!);
      const shopId = await insertShop(db!);
      await db!('simcards').insert(simcardRow({ shop_id: shopId, status: 'assigned' }));
      expect(await countRows(db!, 'simcards')).toBe(1);
    });
  });

  test.each([1, 2, 3])(
    'migrateToLatest run concurrently by two instances on one database: both succeed, each migration applied once (round %i)',
    async () => {
      await withDatabase(async ([a, b]) => {
        const results = await Promise.allSettled([migrateToLatest(a!), migrateToLatest(b!)]);
        expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok']);
        const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
        expect(applied.sort()).toEqual([...MIGRATIONS].sort());
        const rows = await a!('knex_migrations').select('name');
        expect(rows.map((r: { name: string }) => r.name).sort()).toEqual([...MIGRATIONS].sort());
        expect(await existingTables(a!)).toEqual(TABLES);
        // The lock is free again, for the next start.
        expect(await a!('knex_migrations_lock').select('is_locked')).toEqual([{ is_locked: 0 }]);
        expect(await migrateToLatest(b!)).toEqual([]);
      }, 2);
    },
  );

  postgresOnly('two instances starting together on a PostgreSQL schema that does not exist yet both create and migrate it', async () => {
    await withDatabase(async (_unused, database) => {
      if (database.config.client !== 'postgres') throw new Error('postgres only');
      const schema = `${database.config.schema}_fresh`;
      const fresh = { ...database.config, schema };
      const [a, b] = [createDatabase(fresh), createDatabase(fresh)];
      try {
        const results = await Promise.allSettled([migrateToLatest(a), migrateToLatest(b)]);
        expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok']);
        expect(await existingTables(a)).toEqual(TABLES);
        expect((await migrationStatus(b)).applied).toEqual(MIGRATIONS);
      } finally {
        await a.raw('drop schema if exists ?? cascade', [schema]);
        await Promise.all([a.destroy(), b.destroy()]);
      }
    });
  });
});

describe('SQLite connection settings', () => {
  async function pragma(db: Db, name: string): Promise<unknown> {
    const rows = (await db.raw(`PRAGMA ${name}`)) as Array<Record<string, unknown>>;
    return Object.values(rows[0] ?? {})[0];
  }

  async function expectConfigured(db: Db): Promise<void> {
    expect({
      journal_mode: await pragma(db, 'journal_mode'),
      foreign_keys: await pragma(db, 'foreign_keys'),
    }).toEqual({ journal_mode: 'wal', foreign_keys: 1 });
    expect(Number(await pragma(db, 'busy_timeout'))).toBeGreaterThanOrEqual(5000);
  }

  sqliteOnly('every connection has journal_mode=wal, foreign_keys=1 and busy_timeout >= 5000', async () => {
    await withDatabase(async (dbs) => {
      await migrateToLatest(dbs[0]!);
      for (const db of dbs) await expectConfigured(db);
      // Inside a transaction (the connection a write uses).
      for (const db of dbs) await db.transaction((trx) => expectConfigured(trx as unknown as Db));
    }, 3);
  });

  sqliteOnly('a connection opened after the pool is re-created is configured the same way', async () => {
    await withDatabase(async ([db]) => {
      await expectConfigured(db!);
      await db!.destroy();
      db!.initialize();
      await expectConfigured(db!);
    });
  });
});

describe('constraints', () => {
  test('a simcard with a status outside the lifecycle is refused', async () => {
    await withMigratedDatabase(async (db) => {
      for (const status of ['in_stock', 'assigned', 'sold', 'blocked']) {
        const shop_id = status === 'in_stock' ? null : await insertShop(db);
        await db('simcards').insert(simcardRow({ status, shop_id }));
      }
      const err = await failure(db('simcards').insert(simcardRow({ status: 'lost' })));
      expect(String(err.message)).toMatch(/check|simcards_status_check/i);
      await failure(db('simcards').update({ status: 'activated' }));
      expect(await countRows(db, 'simcards')).toBe(4);
    });
  });

  test('a staff user without a shop_id is refused; an admin without one is fine', async () => {
    await withMigratedDatabase(async (db) => {
      await db('users').insert(userRow({ role: 'admin', shop_id: null }));
      const shopId = await insertShop(db);
      await db('users').insert(userRow({ role: 'staff', shop_id: shopId }));
      const err = await failure(db('users').insert(userRow({ role: 'staff', shop_id: null })));
      expect(String(err.message)).toMatch(/check|users_staff_shop_check/i);
      await failure(db('users').where({ role: 'staff' }).update({ shop_id: null }));
      await failure(db('users').insert(userRow({ role: 'owner' })));
      expect(await countRows(db, 'users')).toBe(2);
    });
  });

  test('a duplicate iccid is refused, and isUniqueViolation recognizes the error', async () => {
    await withMigratedDatabase(async (db) => {
      const row = simcardRow();
      await db('simcards').insert(row);
      const err = await failure(db('simcards').insert(simcardRow({ iccid: row.iccid })));
      expect(isUniqueViolation(err)).toBe(true);
      expect(isForeignKeyViolation(err)).toBe(false);
      expect(await countRows(db, 'simcards')).toBe(1);
    });
  });

  test('a duplicate msisdn is refused; many SIMs without one are fine', async () => {
    await withMigratedDatabase(async (db) => {
      await db('simcards').insert([simcardRow({ msisdn: null }), simcardRow({ msisdn: null }), simcardRow({ msisdn: '+998901112233' })]);
      expect(isUniqueViolation(await failure(db('simcards').insert(simcardRow({ msisdn: '+998901112233' }))))).toBe(true);
    });
  });

  test('a duplicate shop code is a unique violation', async () => {
    await withMigratedDatabase(async (db) => {
      await insertShop(db, { code: 'TASH1' });
      expect(isUniqueViolation(await failure(db('shops').insert(shopRow({ code: 'TASH1' }))))).toBe(true);
    });
  });

  test('deleting a shop a simcard refers to is refused, and isForeignKeyViolation recognizes the error', async () => {
    await withMigratedDatabase(async (db) => {
      const shopId = await insertShop(db);
      await db('simcards').insert(simcardRow({ shop_id: shopId, status: 'assigned' }));
      const err = await failure(db('shops').where({ id: shopId }).delete());
      expect(isForeignKeyViolation(err)).toBe(true);
      expect(isUniqueViolation(err)).toBe(false);
      expect(await countRows(db, 'shops')).toBe(1);
    });
  });

  test('a simcard cannot refer to a shop that does not exist', async () => {
    await withMigratedDatabase(async (db) => {
      const err = await failure(db('simcards').insert(simcardRow({ shop_id: 4242, status: 'assigned' })));
      expect(isForeignKeyViolation(err)).toBe(true);
    });
  });

  test('an unreferenced shop can be deleted', async () => {
    await withMigratedDatabase(async (db) => {
      const shopId = await insertShop(db);
      expect(await db('shops').where({ id: shopId }).delete()).toBe(1);
    });
  });
});

describe('writeTransaction', () => {
  test('rolls back all its writes when the callback throws, and rethrows the error', async () => {
    await withMigratedDatabase(async (db) => {
      const boom = new Error('boom');
      const err = await failure(
        writeTransaction(db, async (trx) => {
          const [shop] = await trx('shops').insert(shopRow()).returning('id');
          await trx('simcards').insert(simcardRow({ shop_id: (shop as { id: number }).id, status: 'assigned' }));
          await trx('app_settings').insert({ key: 'k', value: 'v' });
          expect(Number((await trx('simcards').count({ n: '*' }).first())?.n)).toBe(1);
          throw boom;
        }),
      );
      expect(err).toBe(boom);
      expect(await countRows(db, 'shops')).toBe(0);
      expect(await countRows(db, 'simcards')).toBe(0);
      expect(await countRows(db, 'app_settings')).toBe(0);
    });
  });

  test('rolls back when a statement inside fails (a constraint violation)', async () => {
    await withMigratedDatabase(async (db) => {
      const row = simcardRow();
      const err = await failure(
        writeTransaction(db, async (trx) => {
          await trx('shops').insert(shopRow());
          await trx('simcards').insert(row);
          await trx('simcards').insert(simcardRow({ iccid: row.iccid }));
        }),
      );
      expect(isUniqueViolation(err)).toBe(true);
      expect(await countRows(db, 'shops')).toBe(0);
      expect(await countRows(db, 'simcards')).toBe(0);
    });
  });

  test('commits its writes and returns the callback’s value when it succeeds', async () => {
    await withMigratedDatabase(async (db) => {
      const id = await writeTransaction(db, async (trx) => {
        const [shop] = await trx('shops').insert(shopRow()).returning('id');
        return (shop as { id: number }).id;
      });
      expect(await db('shops').where({ id }).first()).toMatchObject({ id });
    });
  });
});
