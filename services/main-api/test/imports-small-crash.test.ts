/**
 * Single-row imports with Idempotency-Key (the integration's way, issue 14) under SIGKILL: the
 * key is claimed by the import's own transaction (Idempotency.onceWith), so a process killed
 * with requests in flight must leave, for every key, either its whole import (SIM, import row,
 * audit entry and stored answer) or nothing at all; and after a restart a retry of every request
 * with its key gets the first answer where there was one, and imports the rest, each once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Db } from '@simcard/db';
import { createTestDatabase, type TestDatabase } from '@simcard/db/testing';
import { signInAdmin, startChildApi } from './support/child-api.js';
import { importIccid } from './support/import-helpers.js';

const IN_FLIGHT = 10;

let database: TestDatabase;
let db: Db;
let tmp: string;
beforeAll(async () => {
  database = await createTestDatabase();
  tmp = mkdtempSync(join(tmpdir(), 'simcard-small-crash-'));
});
afterAll(async () => {
  await db?.destroy();
  await database.drop();
  rmSync(tmp, { recursive: true, force: true });
});

interface Sent {
  key: string;
  iccid: string;
  /** The answer, when one came before the kill. */
  answer?: { status: number; body: { import_id: number; batch_id: string; inserted: number } };
}

function post(url: string, token: string, r: Sent) {
  return fetch(`${url}/simcards/bulk`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': r.key },
    body: JSON.stringify({ rows: [{ iccid: r.iccid }] }),
  });
}

const count = async (table: string, where: Record<string, unknown> = {}) =>
  Number(((await db(table).where(where).count({ n: '*' }).first()) as { n: number | string }).n);

test('SIGKILL with single-row keyed imports in flight: each key has all of its import or none, and retries finish the rest once', async () => {
  const first = await startChildApi(database.url, tmp, { RATE_LIMIT_USER: '0' });
  const token = await signInAdmin(first.url);
  db = createDatabase(database.config);
  const sent: Sent[] = [];
  let killed = false;
  const exited = new Promise((r) => first.child.once('exit', r));
  const worker = async () => {
    while (!killed) {
      const r: Sent = { key: `crash-small-${sent.length}-${process.pid}`, iccid: importIccid() };
      sent.push(r);
      try {
        const res = await post(first.url, token, r);
        const body = (await res.json()) as NonNullable<Sent['answer']>['body'];
        if (!killed) r.answer = { status: res.status, body };
      } catch {
        return; // the process is gone
      }
    }
  };
  const workers = Array.from({ length: IN_FLIGHT }, worker);
  // Killed while requests are in flight (after some have been answered).
  while (sent.filter((r) => r.answer).length < 60) await new Promise((r) => setTimeout(r, 5));
  first.child.kill('SIGKILL');
  killed = true;
  await exited;
  await Promise.all(workers);
  for (const r of sent.filter((x) => x.answer)) expect(r.answer!.status).toBe(200);

  // Every stored answer has its import, its SIM (with the import's batch id) and its audit entry; nothing else was written.
  const keys = await db('idempotency_keys').where({ route: 'POST /simcards/bulk' });
  expect(keys.every((k) => k.completed_at !== null && k.response_status === 200)).toBe(true);
  const imports = await count('imports');
  expect(imports).toBe(keys.length);
  expect(await count('simcards')).toBe(keys.length);
  expect(await count('audit_log', { action: 'import' })).toBe(keys.length);
  for (const k of keys) {
    const body = JSON.parse(k.response_body) as { import_id: number; batch_id: string };
    expect(await db('imports').where({ id: body.import_id, batch_id: body.batch_id }).first()).toBeTruthy();
    expect(await count('simcards', { batch_id: body.batch_id })).toBe(1);
  }
  // Every answer a client got is stored (committed before it was sent).
  expect(sent.filter((r) => r.answer).every((r) => keys.some((k) => k.key === r.key))).toBe(true);
  if (database.config.client === 'sqlite') expect(await db.raw('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);

  // A restarted API: each request retried with its key. Answered ones replay their answer; the rest import once.
  const second = await startChildApi(database.url, tmp, { RATE_LIMIT_USER: '0' });
  try {
    const token2 = await signInAdmin(second.url);
    for (const r of sent) {
      const res = await post(second.url, token2, r);
      const body = await res.json();
      expect(res.status).toBe(200);
      if (r.answer) {
        expect(res.headers.get('idempotent-replayed')).toBe('true');
        expect(body).toEqual(r.answer.body);
      }
    }
    expect(await count('imports')).toBe(sent.length);
    expect(await count('simcards')).toBe(sent.length);
    expect(await count('idempotency_keys', { route: 'POST /simcards/bulk' })).toBe(sent.length);
  } finally {
    const stopped = new Promise((r) => second.child.once('exit', r));
    second.child.kill('SIGTERM');
    await stopped;
  }
}, 240_000);
