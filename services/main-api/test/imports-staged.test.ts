/**
 * An import with more valid rows than are kept in memory: on SQLite its rows are staged while
 * the file is still read, on a connection held for the import, whose transaction then runs on
 * it (importsRepository.HeldStage); on PostgreSQL they wait in a scratch file. Either way the
 * report is the one the rows call for — existing, repeated and phone-taken rows explained, a dry
 * run and a refused strict import writing nothing — and the pool gets every connection back with
 * no stage left on it.
 */
import { poolStats } from '@simcard/db';
import { TestApi } from './support/harness.js';
import { countSimcards, importIccid, importMsisdn, postCsv } from './support/import-helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(async () => {
  await api?.close();
});

/** More rows than the import keeps in memory (5,000). */
const MANY = 6000;

/** A CSV of `MANY` fresh rows with a phone number each, then `extra` lines. */
function bigCsv(extra: string[] = []): { csv: string; first: string } {
  const lines = Array.from({ length: MANY }, () => `${importIccid()},${importMsisdn()}`);
  return { csv: ['iccid,msisdn', ...lines, ...extra].join('\n'), first: lines[0]!.split(',')[0]! };
}

/** The pool once the answer is sent: nothing in use (a held connection would show here). */
async function poolIsIdle(): Promise<void> {
  // The connection goes back as the request ends; the answer may arrive a moment earlier.
  for (let i = 0; i < 50 && (poolStats(api.db)?.used ?? 0) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(poolStats(api.db)?.used).toBe(0);
}

test('a large import explains existing, repeated and phone-taken rows as a small one does, and gives its connection back', async () => {
  const existingIccid = importIccid();
  const takenPhone = importMsisdn();
  expect((await postCsv(api, `iccid,msisdn\n${existingIccid},${takenPhone}\n`)).status).toBe(200);
  const repeated = importIccid();
  const { csv } = bigCsv([`${existingIccid},`, `${repeated},`, `${repeated},`, `${importIccid()},${takenPhone}`, '8999,']);
  const res = await postCsv(api, csv);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    received: MANY + 5,
    inserted: MANY + 1,
    skipped_existing: 1,
    duplicates_in_file: 1,
    invalid_rows: 2,
  });
  expect(await countSimcards(api, res.body.batch_id as string)).toBe(MANY + 1);
  await poolIsIdle();
});

test('a large dry run reports what would happen and writes nothing', async () => {
  const existingIccid = importIccid();
  expect((await postCsv(api, `iccid\n${existingIccid}\n`)).status).toBe(200);
  const { csv, first } = bigCsv([`${existingIccid},`]);
  const before = await countSimcards(api);
  const res = await postCsv(api, csv, 'dry_run=true');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ dry_run: true, received: MANY + 1, inserted: MANY, skipped_existing: 1 });
  expect(await countSimcards(api)).toBe(before);
  expect(await api.db('simcards').where({ iccid: first }).first()).toBeUndefined();
  await poolIsIdle();
});

test('a large strict import with an invalid row is refused, inserts nothing, and the next large import goes in', async () => {
  const { csv, first } = bigCsv(['8999,']);
  const refused = await postCsv(api, csv, 'mode=strict');
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ received: MANY + 1, inserted: 0, invalid_rows: 1 });
  expect(await api.db('simcards').where({ iccid: first }).first()).toBeUndefined();
  await poolIsIdle();
  // Run after run on the same pool: no stage left behind on a connection is in the way.
  for (let i = 0; i < 5; i++) {
    const res = await postCsv(api, bigCsv().csv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ inserted: MANY, invalid_rows: 0 });
  }
  await poolIsIdle();
});

test('large imports at once all go in, past the stages held at a time (the rest staged in their transaction)', async () => {
  const results = await Promise.all(Array.from({ length: 3 }, () => postCsv(api, bigCsv().csv)));
  for (const res of results) {
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ inserted: MANY, invalid_rows: 0 });
  }
  await poolIsIdle();
});
