/**
 * The reference for `GET /simcards?limit=50`: a bare Koa handler running exactly the statements
 * the API runs for that request, in the same order and concurrency, on the same driver with the
 * same pool size, and nothing else (no JWT check, validation, routing, presentation, logging):
 *   1. the auth lookup: the token's user and whether the token is revoked (users.findForToken);
 *   2. in parallel: the page's ids (ids first; one more than the page, as the API asks, to know
 *      whether a next page follows) and the total (the counters of migration 0801);
 *   3. the page's rows by id.
 * Its JSON is compressed as the API's is (the same compressJson middleware): only for a client
 * that sends Accept-Encoding, which autocannon does not unless the bench is told `--encoding`.
 * SQLite (SQLITE_FILE): raw sqlite3, 4 connections in WAL mode (db/src/connection.ts's pool),
 * each with its own prepared statements, taken round-robin. PostgreSQL (PG_URL, PG_SCHEMA): a
 * pg.Pool of 10 (the API's pool), named prepared statements.
 */
import { createRequire } from 'node:module';
import Koa from 'koa';
import sqlite3 from 'sqlite3';
import { compressJson } from '../../../services/main-api/src/http/compress-json.js';
import { startProfiling } from './profile.js';

// pg ships no types here (knex wraps it for the API); the reference needs only Pool.query.
const pg = createRequire(import.meta.url)('pg') as { Pool: new (options: object) => { query(q: object): Promise<{ rows: any[] }> } };

const AUTH =
  'select id, username, role, shop_id, is_active, token_version, exists (select 1 from revoked_tokens where jti = ?) as revoked from users where id = ? limit 1';
const IDS = 'select simcards.id from simcards order by simcards.id desc limit ?';
const TOTAL = 'select coalesce(sum(n), 0) as n from simcard_tallies limit 1';
const rowsSql = (n: number) => `select * from simcards where id in (${Array(n).fill('?').join(', ')})`;

type Run = (sql: string, params: unknown[]) => Promise<any[]>;

function sqliteRunner(file: string): Run {
  const SIZE = 4;
  const connections = Array.from({ length: SIZE }, () => {
    const db = new sqlite3.Database(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    return { db, statements: new Map<string, sqlite3.Statement>() };
  });
  let next = 0;
  return (sql, params) => {
    const c = connections[next++ % SIZE]!;
    let stmt = c.statements.get(sql);
    if (!stmt) {
      stmt = c.db.prepare(sql);
      c.statements.set(sql, stmt);
    }
    const s = stmt;
    return new Promise((resolve, reject) => s.all(params, (err: Error | null, rows: any[]) => (err ? reject(err) : resolve(rows))));
  };
}

function pgRunner(url: string, schema: string | undefined): Run {
  const pool = new pg.Pool({ connectionString: url, max: 10, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  const names = new Map<string, string>();
  return async (sql, params) => {
    let name = names.get(sql);
    if (!name) {
      name = `s${names.size}`;
      names.set(sql, name);
    }
    let k = 0;
    const text = sql.replace(/\?/g, () => `$${++k}`);
    return (await pool.query({ name, text, values: params as unknown[] })).rows;
  };
}

const stopProfiling = await startProfiling();
const run = process.env.SQLITE_FILE ? sqliteRunner(process.env.SQLITE_FILE) : pgRunner(process.env.PG_URL!, process.env.PG_SCHEMA);
const userId = Number(process.env.BENCH_USER_ID ?? 1);

const app = new Koa();
app.use(compressJson());
app.use(async (ctx) => {
  const limit = Math.min(Number(ctx.query.limit ?? 50), 500);
  const offset = Number(ctx.query.offset ?? 0);
  const [user] = await run(AUTH, ['bench-jti', userId]);
  if (!user) ctx.throw(401);
  const [ids, total] = await Promise.all([run(IDS, [limit + 1]), run(TOTAL, [])]);
  const page = ids.slice(0, limit);
  const rows =
    page.length === 0
      ? []
      : await run(
          rowsSql(page.length),
          page.map((r: { id: number }) => r.id),
        );
  ctx.body = { data: rows, total: Number(total[0].n), limit, offset };
});
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`READY http://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', async () => {
  await stopProfiling();
  process.exit(0);
});
