/**
 * Imports and everybody else's writes (issue 11): a dry run takes no write lock; on SQLite a
 * write that waits behind a long write gets 503 with Retry-After, never a 500; on PostgreSQL
 * every statement and every open transaction has a time limit set by the app.
 */
import { createDatabase } from '@simcard/db';
import { testDialect } from '@simcard/db/testing';
import { TestApi } from './support/harness.js';
import { importIccid, postCsv } from './support/import-helpers.js';

let api: TestApi;
let simId: number;

beforeAll(async () => {
  api = await TestApi.start();
  simId = (await api.createSimcard()).id;
});
afterAll(async () => {
  await api?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bigCsv(rows: number): string {
  const lines = ['iccid;tariff'];
  for (let i = 0; i < rows; i++) lines.push(`${importIccid()};Bulk`);
  return `${lines.join('\n')}\n`;
}

/** PUTs one SIM's notes every 50 ms until `until` settles: each status and how long it took. */
async function writesDuring(until: Promise<unknown>): Promise<{ status: number; ms: number; retryAfter: string | null }[]> {
  let settled = false;
  void until.finally(() => (settled = true));
  const results = [];
  while (!settled) {
    const t0 = performance.now();
    const res = await api.put(`/simcards/${simId}`, { notes: `n${Math.random()}` });
    results.push({ status: res.status, ms: performance.now() - t0, retryAfter: res.headers.get('retry-after') });
    await sleep(50);
  }
  return results;
}

/**
 * SQLite: tries to take the write lock from a connection of its own, waiting at most 1 s (the
 * old dry run held it for seconds), every 50 ms until `until` settles; answers how many tries
 * found it held.
 */
async function writeLockHeldDuring(until: Promise<unknown>): Promise<{ tries: number; held: number }> {
  const probe = createDatabase(api.database.config);
  let settled = false;
  void until.finally(() => (settled = true));
  let tries = 0;
  let held = 0;
  try {
    await probe.raw('PRAGMA busy_timeout = 1000');
    while (!settled) {
      tries++;
      await probe
        .transaction(async (trx) => {
          await trx.raw('UPDATE app_settings SET key = key WHERE 0');
        })
        .catch((err: { code?: string }) => {
          if (err.code !== 'SQLITE_BUSY') throw err;
          held++;
        });
      await sleep(50);
    }
  } finally {
    await probe.destroy();
  }
  return { tries, held };
}

test('a dry run of a large file takes no write lock: writes meanwhile go through', async () => {
  const csv = bigCsv(60_000);
  const dryRun = postCsv(api, csv, 'dry_run=true');
  if (testDialect() === 'sqlite') {
    // The lock itself, probed from another connection (alone: a PUT's own transaction would
    // hold it while this process is busy reading the file).
    const lock = await writeLockHeldDuring(dryRun);
    expect(lock.tries).toBeGreaterThan(3);
    expect(lock.held).toBe(0);
  } else {
    const writes = await writesDuring(dryRun);
    expect(writes.map((w) => w.status).filter((s) => s !== 200)).toEqual([]);
    // A generous bound (a write alone takes milliseconds; this machine is shared).
    expect(Math.max(...writes.map((w) => w.ms))).toBeLessThan(5000);
  }
  const res = await dryRun;
  expect(res.status).toBe(200);
  expect(res.body.inserted).toBe(60_000);
  expect((await api.put(`/simcards/${simId}`, { notes: 'after the dry run' })).status).toBe(200);
}, 60_000);

test('during a long import, another write gets 2xx or 503 with Retry-After, never a 500', async () => {
  const importing = postCsv(api, bigCsv(60_000));
  const writes = await writesDuring(importing);
  expect((await importing).status).toBe(200);
  for (const w of writes) {
    if (w.status === 503) expect(Number(w.retryAfter)).toBeGreaterThan(0);
    else expect(w.status).toBe(200);
  }
}, 60_000);

const sqliteOnly = testDialect() === 'sqlite' ? test : test.skip;
const postgresOnly = testDialect() === 'postgres' ? test : test.skip;

sqliteOnly(
  'a write kept waiting past busy_timeout by a long write elsewhere is 503 database_busy with Retry-After, not 500',
  async () => {
    const other = createDatabase(api.database.config);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = other.transaction(async (trx) => {
      await trx.raw('UPDATE app_settings SET key = key WHERE 0');
      locked();
      await held;
    });
    try {
      await isLocked;
      const res = await api.put(`/simcards/${simId}`, { notes: 'blocked' });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('database_busy');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      release();
      await holder;
      await other.destroy();
    }
    expect((await api.put(`/simcards/${simId}`, { notes: 'free again' })).status).toBe(200);
  },
  30_000,
);

postgresOnly('the app sets statement_timeout and idle_in_transaction_session_timeout on every connection', async () => {
  const shown = async (name: string) => ((await api.db.raw(`show ${name}`)) as { rows: Record<string, string>[] }).rows[0]![name];
  expect(await shown('statement_timeout')).toBe('2min');
  expect(await shown('idle_in_transaction_session_timeout')).toBe('1min');
});

postgresOnly(
  'a statement over its limit is cancelled, and a transaction left idle is ended by the server',
  async () => {
    const config = api.database.config;
    if (config.client !== 'postgres') throw new Error('postgres only');
    const db = createDatabase({ ...config, statementTimeoutMs: 1000, idleInTransactionTimeoutMs: 1000 });
    try {
      await expect(db.raw('select pg_sleep(3)')).rejects.toMatchObject({ code: '57014' });
      const trx = await db.transaction();
      await trx.raw('select 1');
      await sleep(2500);
      await expect(trx.raw('select 1')).rejects.toBeTruthy();
      await trx.rollback().catch(() => {});
    } finally {
      await db.destroy();
    }
  },
  20_000,
);
