/**
 * A whole import is one transaction: the main API, run as a child process, is killed with
 * SIGKILL while a large import is being written; the database then holds all of it or none of
 * it (SQLite: and passes `PRAGMA integrity_check`), and a restarted API imports the file cleanly.
 * The retry carries the same Idempotency-Key: the dead process's claim is released at once
 * (issue 11: it was refused with 409 for 15 minutes), and the upload it left in the temporary
 * directory is swept when the API starts again.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Db } from '@simcard/db';
import { createTestDatabase, type TestDatabase } from '@simcard/db/testing';
import { signInAdmin, startChildApi } from './support/child-api.js';
import { importIccid } from './support/import-helpers.js';

const ROWS = 150_000;
const KEY = 'crash-retry-key-1';

let database: TestDatabase;
let db: Db;
/** The children's TMPDIR: a killed import leaves its spooled upload behind, removed with it here. */
let tmp: string;
beforeAll(async () => {
  database = await createTestDatabase();
  tmp = mkdtempSync(join(tmpdir(), 'simcard-crash-'));
});
afterAll(async () => {
  await db?.destroy();
  await database.drop();
  rmSync(tmp, { recursive: true, force: true });
});

/** True once the import's uncommitted writes are under way (and the transaction still open). */
async function importIsWriting(probe: Db, walBaseline: number): Promise<boolean> {
  if (database.config.client === 'sqlite') {
    const wal = `${database.config.filename}-wal`;
    // Uncommitted pages spill into the WAL long before a transaction of this size commits.
    return existsSync(wal) && statSync(wal).size > walBaseline + 8 * 1024 * 1024;
  }
  const rows = await probe.raw(
    `select count(*) as n from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace s on s.oid = c.relnamespace
     where s.nspname = ? and c.relname = 'simcards' and l.mode = 'RowExclusiveLock' and l.granted`,
    [database.config.schema],
  );
  return Number(rows.rows[0].n) > 0;
}

test('SIGKILL mid-import leaves all of the import or none of it, and a restart imports it cleanly', async () => {
  const iccids = Array.from({ length: ROWS }, () => importIccid());
  const csv = `iccid;tariff\n${iccids.map((i) => `${i};Bulk`).join('\n')}\n`;

  const first = await startChildApi(database.url, tmp);
  const token = await signInAdmin(first.url);
  db = createDatabase(database.config);
  const wal = database.config.client === 'sqlite' ? `${database.config.filename}-wal` : '';
  const walBaseline = wal && existsSync(wal) ? statSync(wal).size : 0;

  const exited = new Promise((r) => first.child.once('exit', r));
  const answer = fetch(`${first.url}/simcards/bulk`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'idempotency-key': KEY },
    body: csv,
  }).then(
    (res) => `answered ${res.status}`,
    () => 'no answer',
  );
  let answered = false;
  void answer.then(() => (answered = true));
  while (!(await importIsWriting(db, walBaseline))) {
    if (answered) throw new Error(`the import finished before it could be interrupted (${await answer}): raise ROWS`);
    await new Promise((r) => setTimeout(r, 10));
  }
  first.child.kill('SIGKILL');
  await exited;
  expect(await answer).toBe('no answer');
  // The children's TMPDIR is this test's own: every spool directory in it is theirs.
  const leftBehind = () => readdirSync(tmp).filter((name) => name.startsWith('simcard-import-'));
  expect(leftBehind()).toHaveLength(1);

  // All or none: the SIMs, and the import's own row, together.
  const count = async (table: string) => Number(((await db(table).count({ n: '*' }).first()) as { n: number | string }).n);
  const sims = await count('simcards');
  const imports = await count('imports');
  expect([
    [0, 0],
    [ROWS, 1],
  ]).toContainEqual([sims, imports]);
  if (database.config.client === 'sqlite') {
    const check = await db.raw('PRAGMA integrity_check');
    expect(check).toEqual([{ integrity_check: 'ok' }]);
  }

  // A restarted API takes the same file: the missing SIMs arrive, nothing is doubled.
  const second = await startChildApi(database.url, tmp);
  try {
    // The dead process's upload is swept at start.
    for (let i = 0; i < 50 && leftBehind().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(leftBehind()).toEqual([]);
    const res = await fetch(`${second.url}/simcards/bulk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signInAdmin(second.url)}`, 'content-type': 'text/csv', 'idempotency-key': KEY },
      body: csv,
    });
    // Processed (the claim of the killed process is released), not 409 "still being processed".
    expect(res.status).toBe(200);
    const report = (await res.json()) as { inserted: number; skipped_existing: number };
    expect(report.inserted + report.skipped_existing).toBe(ROWS);
    expect(await count('simcards')).toBe(ROWS);
  } finally {
    const stopped = new Promise((r) => second.child.once('exit', r));
    second.child.kill('SIGTERM');
    await stopped;
  }
}, 240_000);
