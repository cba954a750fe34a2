/**
 * Statements run straight on the pool (queryRows, the SIM list's and the token lookup's path),
 * prepared once per connection: they answer what knex would, see a transaction's own writes,
 * survive a table changed under a prepared `select *`, drop a statement that failed, and leave
 * the pool able to close (SQLite refuses to close a connection with statements still prepared).
 */
import { createDatabase, type Db } from '@simcard/db';
import { createTestDatabase, type TestDatabase } from '@simcard/db/testing';
import { queryRows } from '../src/connection.js';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.config);
  await db.schema.createTable('qr_items', (t) => {
    t.integer('id').primary();
    t.string('name');
  });
  await db('qr_items').insert([
    { id: 1, name: 'one' },
    { id: 2, name: 'two' },
    { id: 3, name: 'three' },
  ]);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe('queryRows', () => {
  test('answers the rows knex answers, prepared or not, run after run and concurrently', async () => {
    const sql = 'select id, name from qr_items where id >= ? order by id';
    const expected = await db('qr_items').select('id', 'name').where('id', '>=', 2).orderBy('id');
    expect(expected).toHaveLength(2);
    for (const prepared of [true, false]) {
      const runs = await Promise.all(Array.from({ length: 12 }, () => queryRows(db, sql, [2], prepared)));
      for (const rows of runs) expect(rows).toEqual(expected);
    }
  });

  test('in a transaction, runs on its connection and sees its uncommitted writes', async () => {
    await db
      .transaction(async (trx) => {
        await trx('qr_items').insert({ id: 10, name: 'ten' });
        expect(await queryRows(trx, 'select name from qr_items where id = ?', [10])).toEqual([{ name: 'ten' }]);
        throw new Error('roll back');
      })
      .catch((err: Error) => expect(err.message).toBe('roll back'));
    expect(await queryRows(db, 'select name from qr_items where id = ?', [10])).toEqual([]);
  });

  test('reads running all the time still let a transaction have a connection, and never see its uncommitted writes', async () => {
    // SQLite: concurrent reads share the connections they take from the pool; while anyone else
    // waits for one, they stop sharing, so the connections drain back to the pool within a statement.
    let reading = true;
    let reads = 0;
    const readers = Array.from({ length: 12 }, async () => {
      while (reading) {
        expect(await queryRows(db, 'select name from qr_items where id = ?', [20])).toEqual([]);
        reads++;
      }
    });
    try {
      while (reads < 50) await new Promise((resolve) => setTimeout(resolve, 5));
      await db
        .transaction(async (trx) => {
          await trx('qr_items').insert({ id: 20, name: 'twenty' });
          const before = reads;
          while (reads < before + 20) await new Promise((resolve) => setTimeout(resolve, 5));
          throw new Error('roll back');
        })
        .catch((err: Error) => expect(err.message).toBe('roll back'));
    } finally {
      reading = false;
      await Promise.all(readers);
    }
  }, 20_000);

  test('reads beyond what the shared connections hold each get their turn while the others keep reading', async () => {
    // SQLite: 4 connections of at most 4 reads each; 24 readers leave 8 waiting for a connection at
    // any time. Sharing must stop while one waits, or the connections never drain back to the
    // pool and the readers in line wait until the others stop.
    let reading = true;
    const reads = Array.from({ length: 24 }, () => 0);
    const readers = reads.map(async (_, i) => {
      while (reading) {
        await queryRows(db, 'select count(*) as n from qr_items where id >= ?', [i % 3]);
        reads[i]!++;
      }
    });
    try {
      while (reads.reduce((a, b) => a + b, 0) < 4000) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(reads.filter((n) => n === 0)).toEqual([]);
    } finally {
      reading = false;
      await Promise.all(readers);
    }
  }, 30_000);

  test('SQLite: reads one after another keep their connection, and give it back the moment the pool is asked for one', async () => {
    if (database.dialect !== 'sqlite') return;
    // A pool acquire and release per statement cost ~25 µs of the event loop each (tarn's timers,
    // the validation): a connection whose reads are done stays parked for the next read.
    const other = createDatabase(database.config);
    const pool = other.client.pool as {
      numUsed(): number;
      numFree(): number;
      on(event: 'acquireRequest', listener: () => void): void;
    };
    try {
      let acquires = 0;
      pool.on('acquireRequest', () => acquires++);
      for (let i = 0; i < 20; i++) expect(await queryRows(other, 'select name from qr_items where id = ?', [2])).toEqual([{ name: 'two' }]);
      expect(acquires).toBeLessThan(5);
      // The connection is kept (parked) once the reads are done…
      expect(pool.numUsed()).toBe(1);
      // …and anyone else asking the pool (a transaction, a knex query) gets it back first, not another one.
      const conn: unknown = await other.client.acquireConnection();
      expect(pool.numUsed()).toBe(1);
      other.client.releaseConnection(conn);
      expect(await queryRows(other, 'select name from qr_items where id = ?', [3])).toEqual([{ name: 'three' }]);
    } finally {
      await other.destroy();
    }
  });

  test('a prepared select * follows a column added under it', async () => {
    const sql = 'select * from qr_items where id = ?';
    // Once per pooled connection, so that each has it prepared.
    await Promise.all(Array.from({ length: 8 }, () => queryRows(db, sql, [1])));
    await db.schema.alterTable('qr_items', (t) => t.string('extra'));
    await db('qr_items').where({ id: 1 }).update({ extra: 'x' });
    const runs = await Promise.all(Array.from({ length: 8 }, () => queryRows(db, sql, [1])));
    for (const rows of runs) expect(rows).toEqual([{ id: 1, name: 'one', extra: 'x' }]);
  });

  test('a statement that failed is not kept: it runs once its table exists', async () => {
    const sql = 'select count(*) as n from qr_later';
    await expect(queryRows(db, sql, [])).rejects.toThrow(/qr_later/);
    await db.schema.createTable('qr_later', (t) => t.integer('id'));
    const [row] = await queryRows<{ n: number | string }>(db, sql, []);
    expect(Number(row!.n)).toBe(0);
  });

  test('a pool whose connections hold prepared statements closes them all', async () => {
    const other = createDatabase(database.config);
    await Promise.all(Array.from({ length: 8 }, (_, i) => queryRows(other, 'select name from qr_items where id = ?', [(i % 3) + 1])));
    // Every connection of the pool (4 on SQLite), those that ran it holding the prepared statement.
    const connections: Array<{ open?: boolean }> = await Promise.all(Array.from({ length: 4 }, () => other.client.acquireConnection()));
    for (const c of connections) other.client.releaseConnection(c);
    await other.destroy();
    // sqlite3 refuses to close a connection with statements still prepared (it would stay open).
    if (database.dialect === 'sqlite') for (const c of connections) expect(c.open).toBe(false);
    const again = createDatabase(database.config);
    try {
      expect(await queryRows(again, 'select name from qr_items where id = ?', [3])).toEqual([{ name: 'three' }]);
    } finally {
      await again.destroy();
    }
  });
});
