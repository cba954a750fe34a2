/**
 * SQLite has one writer: every write transaction of the process (writeTransaction, whichever
 * service or knex instance asks) waits for its turn in JS, in the order asked, before it sends
 * anything to the database; one that gives up waiting keeps its place until the writer ahead is
 * done. PostgreSQL writers do not wait for each other here.
 */
import { type Db, writeTransaction } from '@simcard/db';
import { testDialect } from '@simcard/db/testing';
import { useMigratedDatabase } from './support/migrated-database.js';

const sqliteOnly = testDialect() === 'sqlite' ? test : test.skip;
const postgresOnly = testDialect() === 'postgres' ? test : test.skip;

// Two knex instances on one database: two services of the process that each made their own.
const state = useMigratedDatabase(2);

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Every statement sent to the database by these instances, from now on. */
function recordStatements(dbs: Db[]): { sql: string[]; stop: () => void } {
  const sql: string[] = [];
  const listener = (q: { sql: string }) => sql.push(q.sql);
  for (const db of dbs) db.on('query', listener);
  return { sql, stop: () => dbs.forEach((db) => db.off('query', listener)) };
}

/**
 * Gives a writer that does not wait its turn the time to send its BEGIN (it would within a few
 * ms); the assertion is on what was sent, not on how long anything took.
 */
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('write turns', () => {
  sqliteOnly('writers from two instances on one SQLite file start one at a time, in the order they asked', async () => {
    const [first, second] = state.dbs as [Db, Db];
    const order: string[] = [];
    const held = gate();
    const holding = gate();
    const a = writeTransaction(first, async (trx) => {
      await trx('app_settings').insert({ key: 'turns-a', value: '1' });
      holding.open();
      await held.opened;
      order.push('a done');
    });
    await holding.opened;
    const statements = recordStatements([first, second]);
    const writer = (db: Db, name: string) =>
      writeTransaction(db, async (trx) => {
        order.push(name);
        await trx('app_settings').insert({ key: `turns-${name}`, value: '1' });
      });
    const others = [writer(second, 'b'), writer(first, 'c'), writer(second, 'd')];
    try {
      await settle();
      // While the first holds its turn, those behind it have sent nothing (no BEGIN waiting in SQLite's busy handler).
      expect(statements.sql).toEqual([]);
    } finally {
      statements.stop();
      held.open();
      await Promise.allSettled([a, ...others]);
    }
    expect(order).toEqual(['a done', 'b', 'c', 'd']);
  });

  sqliteOnly('a writer that gives up waiting (SQLITE_BUSY) keeps the place of those behind it until the writer ahead is done', async () => {
    const [db] = state.dbs as [Db];
    const order: string[] = [];
    const held = gate();
    const holding = gate();
    const a = writeTransaction(db, async (trx) => {
      await trx('app_settings').insert({ key: 'timeout-a', value: '1' });
      holding.open();
      await held.opened;
      order.push('a done');
    });
    await holding.opened;
    const impatient = writeTransaction(db, async () => order.push('b'), { turnWaitMs: 50 });
    const c = writeTransaction(db, async (trx) => {
      order.push('c');
      await trx('app_settings').insert({ key: 'timeout-c', value: '1' });
    });
    const statements = recordStatements([db]);
    try {
      await expect(impatient).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      await settle();
      // The impatient writer's place was not handed to the next one while the first still writes.
      expect(statements.sql).toEqual([]);
    } finally {
      statements.stop();
      held.open();
      await Promise.allSettled([a, c]);
    }
    expect(order).toEqual(['a done', 'c']);
  });

  sqliteOnly('a write transaction inside one (a savepoint) does not wait for the turn its own transaction holds', async () => {
    const [db] = state.dbs as [Db];
    const inner = await writeTransaction(db, (trx) =>
      writeTransaction(
        trx,
        async (savepoint) => {
          await savepoint('app_settings').insert({ key: 'nested', value: '1' });
          return 'inner done';
        },
        { turnWaitMs: 50 },
      ),
    );
    expect(inner).toBe('inner done');
  });

  postgresOnly('PostgreSQL writers do not wait for each other in the process', async () => {
    const [first, second] = state.dbs as [Db, Db];
    const held = gate();
    const holding = gate();
    const a = writeTransaction(first, async (trx) => {
      await trx('app_settings').insert({ key: 'pg-a', value: '1' });
      holding.open();
      await held.opened;
    });
    await holding.opened;
    // Rows apart: the second commits while the first is still open.
    await writeTransaction(second, async (trx) => {
      await trx('app_settings').insert({ key: 'pg-b', value: '1' });
    });
    held.open();
    await a;
  });
});
