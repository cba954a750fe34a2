/**
 * The reference for `GET /simcards?limit=50`: a bare Koa handler serving the same two queries
 * the API runs (the page and the total), through raw prepared statements of the same driver,
 * with no auth, validation, routing or presentation.
 */
import Koa from 'koa';
import sqlite3 from 'sqlite3';

const db = new sqlite3.Database(process.env.SQLITE_FILE!);
const page = db.prepare('SELECT * FROM simcards ORDER BY id DESC LIMIT ? OFFSET ?');
// The API's total for an unfiltered list: the sum of the counters the database keeps (migration 0801).
const total = db.prepare('SELECT coalesce(sum(n), 0) AS n FROM simcard_tallies');

const all = (stmt: sqlite3.Statement, params: unknown[]) =>
  new Promise<unknown[]>((resolve, reject) => stmt.all(params, (err: Error | null, rows: unknown[]) => (err ? reject(err) : resolve(rows))));

const app = new Koa();
app.use(async (ctx) => {
  const limit = Math.min(Number(ctx.query.limit ?? 50), 500);
  const offset = Number(ctx.query.offset ?? 0);
  const [rows, count] = await Promise.all([all(page, [limit, offset]), all(total, [])]);
  ctx.body = { data: rows, total: (count[0] as { n: number }).n, limit, offset };
});
const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`READY http://127.0.0.1:${port}\n`);
});
