/**
 * An import's rows staged in `import_stage` (SQLite: multi-row INSERTs; PostgreSQL: one COPY FROM
 * STDIN): every value arrives exactly as given, whatever COPY's text format would read as an
 * escape, across many chunks; a refused row fails the stage; an aborted stage leaves the
 * transaction free to roll back at once.
 */
import { type Db, importsRepository as imports, now } from '@simcard/db';
import { testDialect } from '@simcard/db/testing';
import { useMigratedDatabase } from './support/migrated-database.js';

const postgresOnly = testDialect() === 'postgres' ? test : test.skip;

const database = useMigratedDatabase();
let db: Db;
beforeAll(() => {
  db = database.dbs[0]!;
});

type StagedRow = imports.StagedRow;

const row = (line: number, extra: Partial<StagedRow> = {}): StagedRow => ({
  line,
  iccid: `8999800000${String(line).padStart(9, '0')}`,
  msisdn: null,
  operator: null,
  tariff: null,
  price: null,
  ...extra,
});

/** Stages `chunks` in a transaction and answers the table read back in line order (then rolls back). */
async function stageAndRead(chunks: StagedRow[][]): Promise<StagedRow[]> {
  let staged: StagedRow[] = [];
  await db
    .transaction(async (trx) => {
      await imports.createStage(trx);
      const stager = imports.openStage(trx);
      for (const chunk of chunks) await stager.write(chunk);
      await stager.close();
      staged = (await trx('import_stage').select('line', 'iccid', 'msisdn', 'operator', 'tariff', 'price').orderBy('line')).map(
        (r: StagedRow) => ({ ...r, line: Number(r.line), price: r.price === null ? null : Number(r.price) }),
      );
      throw new Error('roll back');
    })
    .catch((err: Error) => {
      if (err.message !== 'roll back') throw err;
    });
  return staged;
}

describe('staging an import in import_stage', () => {
  test('text that COPY would read as escapes or null is staged exactly as given, and null stays null', async () => {
    const tricky = [
      'back\\slash',
      'tab\there',
      'new\nline',
      'carriage\rreturn',
      '\\N',
      '\\.',
      'end\\',
      'Тариф «Старт» ʻ',
      '',
      'quote \' and " and ;',
      // SQLite stages chunks as INSERTs whose values are SQL literals: these must stay text.
      "'); drop table simcards; --",
      "it''s",
      'what? ?? $1 :name @x',
      '/* not a comment */ -- nor this',
      'emoji 😀 and \u00a0',
    ];
    const rows = tricky.map((tariff, i) =>
      row(i + 2, { tariff, operator: i % 2 ? 'beeline' : null, msisdn: `+99890${String(i).padStart(7, '0')}`, price: i * 1000 }),
    );
    expect(await stageAndRead([rows])).toEqual(rows);
  });

  test('many chunks arrive whole and in order', async () => {
    const chunks = Array.from({ length: 5 }, (_, c) =>
      Array.from({ length: imports.STAGE_CHUNK_ROWS }, (_, i) => row(c * imports.STAGE_CHUNK_ROWS + i + 2, { price: i })),
    );
    const staged = await stageAndRead(chunks);
    expect(staged).toHaveLength(5 * imports.STAGE_CHUNK_ROWS);
    expect(staged).toEqual(chunks.flat());
  });

  test('a row the table refuses fails the stage, and the transaction rolls back with nothing kept', async () => {
    const bad = { ...row(3), line: null } as unknown as StagedRow;
    await expect(stageAndRead([[row(2)], [bad, row(4)]])).rejects.toThrow(/null/i);
    // The connection went back to the pool usable.
    expect(await db('simcards').count({ n: '*' })).toHaveLength(1);
  });

  test('an aborted stage lets its transaction roll back at once, and the connection is usable after', async () => {
    await expect(
      db.transaction(async (trx) => {
        await imports.createStage(trx);
        const stager = imports.openStage(trx);
        await stager.write([row(2), row(3)]);
        await stager.abort();
        throw new Error('failed while staging');
      }),
    ).rejects.toThrow('failed while staging');
    // The stage did not outlive its transaction.
    await db.transaction(async (trx) => {
      await imports.createStage(trx);
      const stager = imports.openStage(trx);
      await stager.write([row(5)]);
      await stager.close();
      expect(await trx('import_stage').pluck('line')).toEqual([5]);
      await imports.dropStage(trx);
    });
  });

  postgresOnly(
    'a SIM another transaction commits while the rows go in is skipped, not a failure (the plain INSERT falls back to ON CONFLICT)',
    async () => {
      const [taken, fresh] = [row(900_001), row(900_002)];
      // Another writer holds `taken` uncommitted: the import's check cannot see it, its INSERT waits on it.
      const other = await db.transaction();
      await other('simcards').insert({ iccid: taken.iccid, status: 'in_stock', batch_id: 'other', created_at: now(), updated_at: now() });
      const importing = db.transaction(async (trx) => {
        await imports.createStage(trx);
        const stager = imports.openStage(trx);
        await stager.write([taken, fresh]);
        await stager.close();
        return imports.insertStaged(trx, { batchId: 'import-race', shopId: null, userId: 1 });
      });
      importing.catch(() => {});
      // Until the import's INSERT is waiting for the other writer's row lock.
      for (;;) {
        const { rows } = (await db.raw(
          `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%from import_stage%'`,
        )) as { rows: { n: number }[] };
        if (rows[0]!.n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await other.commit();
      expect(await importing).toBe(1);
      expect(await db('simcards').where({ iccid: taken.iccid }).pluck('batch_id')).toEqual(['other']);
      expect(await db('simcards').where({ iccid: fresh.iccid }).pluck('batch_id')).toEqual(['import-race']);
    },
  );

  test('openStage refuses a connection outside a transaction', () => {
    expect(() => imports.openStage(db)).toThrow(/transaction/);
  });
});
