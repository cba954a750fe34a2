/**
 * Small imports (issue 14, single-row ingest): a body declared at most IN_MEMORY_BODY_BYTES is
 * held in memory instead of spooled, its valid rows stay in memory (up to one stage chunk), and
 * with an Idempotency-Key the key is claimed by the import's own transaction, with its answer
 * (Idempotency.onceWith). These tests pin that the answers are those of the spooled way: the
 * same request hash whichever way the body came, a replay even when the work would now fail,
 * a key taken while the work ran answered as a retry, and no temporary directory left behind.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { auditLogRepository, idempotencyKeysRepository } from '@simcard/db';
import { IN_MEMORY_BODY_BYTES } from '../src/routes/imports/request-source.js';
import { Idempotency } from '../src/services/idempotency.js';
import { TestApi } from './support/harness.js';
import { countRows, countSimcards, importIccid, postCsv } from './support/import-helpers.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(async () => {
  await api?.close();
});

/** This process's spool directories (named `simcard-import-<pid>-…`). */
const ownSpoolDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`simcard-import-${process.pid}-`));

/** POSTs `body` without a Content-Length (chunked): the server spools it to disk. */
async function postChunked(body: string, contentType: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${api.url}/simcards/bulk`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.adminToken}`, 'content-type': contentType, ...headers },
    body: ReadableStream.from([Buffer.from(body)]),
    duplex: 'half',
  } as RequestInit);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

test('a one-row JSON import with a key: imported once, replayed after, and the history, audit and key rows are written', async () => {
  const iccid = importIccid();
  const headers = { 'Idempotency-Key': `small-${iccid}` };
  const audits = await countRows(api, 'audit_log');
  const first = await api.post('/simcards/bulk', { rows: [{ iccid, tariff: 'One' }] }, { headers });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({ received: 1, inserted: 1, skipped_existing: 0, invalid_rows: 0 });
  const imported = await api.db('imports').where({ id: first.body.import_id }).first();
  expect(imported).toMatchObject({ batch_id: first.body.batch_id, status: 'completed', inserted: 1, format: 'json' });
  expect(await api.db('simcards').where({ iccid }).first()).toMatchObject({ batch_id: first.body.batch_id, tariff: 'One' });
  expect(await countRows(api, 'audit_log')).toBe(audits + 1);
  const key = await api.db('idempotency_keys').where({ key: headers['Idempotency-Key'] }).first();
  expect(key).toMatchObject({ response_status: 200 });
  expect(JSON.parse(key.response_body)).toEqual(first.body);

  const retry = await api.post('/simcards/bulk', { rows: [{ iccid, tariff: 'One' }] }, { headers });
  expect(retry.status).toBe(200);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(retry.body).toEqual(first.body);
  expect(await countRows(api, 'audit_log')).toBe(audits + 1);
  expect(ownSpoolDirs()).toEqual([]);
});

test('a body held in memory and the same body spooled (sent chunked) are one request to Idempotency-Key', async () => {
  const csv = `iccid\n${importIccid()}\n${importIccid()}\n`;
  const headers = { 'Idempotency-Key': `small-${importIccid()}` };
  const first = await postCsv(api, csv, '', { headers });
  expect(first.status).toBe(200);
  const retry = await postChunked(csv, 'text/csv', headers);
  expect(retry.status).toBe(200);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(retry.body).toEqual(first.body);
  // And the other way round: spooled first, then in memory.
  const other = `iccid\n${importIccid()}\n`;
  const otherHeaders = { 'Idempotency-Key': `small-${importIccid()}` };
  const spooled = await postChunked(other, 'text/csv', otherHeaders);
  const inMemory = await postCsv(api, other, '', { headers: otherHeaders });
  expect(inMemory.headers.get('idempotent-replayed')).toBe('true');
  expect(inMemory.body).toEqual(spooled.body);
});

test('a retry is replayed even when the import would now be refused (its shop was deactivated meanwhile)', async () => {
  const shop = await api.createShop();
  const iccid = importIccid();
  const headers = { 'Idempotency-Key': `small-${iccid}` };
  const first = await api.post('/simcards/bulk', { rows: [{ iccid }], shop_id: shop.id }, { headers });
  expect(first.status).toBe(200);
  expect(first.body.inserted).toBe(1);
  expect((await api.put(`/shops/${shop.id}`, { is_active: false })).status).toBe(200);
  // Without the key the same request is refused now…
  expect((await api.post('/simcards/bulk', { rows: [{ iccid: importIccid() }], shop_id: shop.id })).status).toBe(400);
  // …but the retry gets the first answer.
  const retry = await api.post('/simcards/bulk', { rows: [{ iccid }], shop_id: shop.id }, { headers });
  expect(retry.status).toBe(200);
  expect(retry.body).toEqual(first.body);
});

test('skipped and duplicate rows of a small import are explained as the staged way explains them', async () => {
  const existing = importIccid();
  await postCsv(api, `iccid\n${existing}\n`);
  const fresh = importIccid();
  const res = await postCsv(api, ['iccid', existing, fresh, fresh, '8999'].join('\n'), '', {
    headers: { 'Idempotency-Key': `small-${fresh}` },
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ received: 4, inserted: 1, skipped_existing: 1, duplicates_in_file: 1, invalid_rows: 1 });
  expect(ownSpoolDirs()).toEqual([]);
});

test('a body in memory with more valid rows than are kept in memory goes through the scratch file, removed after', async () => {
  const rows = Array.from({ length: 6000 }, () => importIccid());
  const csv = `iccid\n${rows.join('\n')}\n`;
  expect(Buffer.byteLength(csv)).toBeLessThanOrEqual(IN_MEMORY_BODY_BYTES);
  const res = await postCsv(api, csv, '', { headers: { 'Idempotency-Key': `small-${rows[0]}` } });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ received: 6000, inserted: 6000 });
  expect(await countSimcards(api, res.body.batch_id)).toBe(6000);
  expect(ownSpoolDirs()).toEqual([]);
});

describe('Idempotency.onceWith, the claim taken with the answer', () => {
  const scopeFor = async (key: string) => {
    const admin = await api.db('users').where({ username: 'admin' }).first();
    return { userId: admin.id as number, route: 'POST /test/deferred', key };
  };

  test('a key taken by another request while the work ran: the work is rolled back and the first answer replayed', async () => {
    const idempotency = new Idempotency(api.db);
    const scope = await scopeFor(`deferred-${importIccid()}`);
    let runs = 0;
    const answer = await idempotency.onceWith(scope, 'hash-1', true, async (claim) => {
      runs++;
      // The racing request commits its answer first.
      await idempotencyKeysRepository.insertCompleted(api.db, scope, 'hash-1', 200, JSON.stringify({ first: true }));
      return api.db.transaction(async (trx) => {
        await auditLogRepository.insert(trx, {
          actor_user_id: scope.userId,
          actor_api_key_id: null,
          actor_name: 'test',
          action: 'test',
          entity: 'test',
          entity_id: scope.key,
          before: null,
          after: null,
          request_id: null,
        });
        await idempotency.complete(trx, claim!, 200, { second: true });
        return { status: 200, body: { second: true } };
      });
    });
    expect(answer).toEqual({ status: 200, body: { first: true }, replayed: true });
    expect(runs).toBe(1);
    expect(await api.db('audit_log').where({ entity_id: scope.key }).first()).toBeUndefined();
  });

  test('a work that fails leaves the key unknown, so the retry runs', async () => {
    const idempotency = new Idempotency(api.db);
    const scope = await scopeFor(`deferred-${importIccid()}`);
    await expect(
      idempotency.onceWith(scope, 'hash-2', true, async () => {
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    expect(await idempotencyKeysRepository.find(api.db, scope)).toBeUndefined();
    const retry = await idempotency.onceWith(scope, 'hash-2', true, (claim) =>
      api.db.transaction(async (trx) => {
        await idempotency.complete(trx, claim!, 201, { ok: true });
        return { status: 201, body: { ok: true } };
      }),
    );
    expect(retry).toEqual({ status: 201, body: { ok: true }, replayed: false });
    expect(await idempotencyKeysRepository.find(api.db, scope)).toMatchObject({ response_status: 201, request_hash: 'hash-2' });
  });

  test('the same key with another request is still 422', async () => {
    const idempotency = new Idempotency(api.db);
    const scope = await scopeFor(`deferred-${importIccid()}`);
    await idempotencyKeysRepository.insertCompleted(api.db, scope, 'hash-a', 200, 'null');
    await expect(
      idempotency.onceWith(scope, 'hash-b', true, async () => {
        throw new Error('must not run');
      }),
    ).rejects.toMatchObject({ status: 422, code: 'idempotency_key_reused' });
  });
});
