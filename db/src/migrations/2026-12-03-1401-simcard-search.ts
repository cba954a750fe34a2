import type { Knex } from 'knex';
import { isSqlite } from '../connection.js';

/**
 * Search by any 4+ consecutive digits of the ICCID or the phone number (the last digits printed
 * on a card, a middle run of a number): an index of the strings' trigrams, kept by the database.
 *
 * - SQLite: an FTS5 table with the trigram tokenizer, contentless (it stores no copy of the
 *   strings, only its index; `contentless_delete` lets the triggers delete by rowid). A phrase
 *   query for "1234" matches the trigrams 123 and 234 at consecutive positions of one column:
 *   exactly the rows whose ICCID or number contains 1234. Its rowid is the SIM's id. Row
 *   triggers keep it (an import's inserts land in FTS5's in-memory segment and are flushed once
 *   per transaction, so the per-row cost stays small).
 * - PostgreSQL: pg_trgm GIN indexes on both columns, which `LIKE '%1234%'` uses. The extension
 *   is created in `public` (a schema-per-test setup drops its schemas with CASCADE, which would
 *   take an extension living in one of them along with every other schema's indexes on it).
 *   Where it cannot be created (no privilege), the search still answers, by scanning: correct,
 *   only slower at scale; the start-up log says so through the missing index.
 */
const SQLITE_ROW = (r: string) => `insert into simcard_search (rowid, iccid, msisdn) values (${r}.id, ${r}.iccid, ${r}.msisdn)`;

export async function up(knex: Knex): Promise<void> {
  if (isSqlite(knex)) {
    await knex.raw(
      `create virtual table simcard_search using fts5(iccid, msisdn, tokenize = 'trigram', content = '', contentless_delete = 1)`,
    );
    await knex.raw(`create trigger simcard_search_insert after insert on simcards begin ${SQLITE_ROW('NEW')}; end`);
    await knex.raw(
      `create trigger simcard_search_delete after delete on simcards begin delete from simcard_search where rowid = OLD.id; end`,
    );
    await knex.raw(`create trigger simcard_search_update after update of iccid, msisdn on simcards
      begin delete from simcard_search where rowid = OLD.id; ${SQLITE_ROW('NEW')}; end`);
    await knex.raw('insert into simcard_search (rowid, iccid, msisdn) select id, iccid, msisdn from simcards');
    return;
  }
  const schema = await trigramSchema(knex);
  if (schema === null) return;
  await knex.raw(`create index simcards_iccid_trgm on simcards using gin (iccid ??.gin_trgm_ops)`, [schema]);
  await knex.raw(`create index simcards_msisdn_trgm on simcards using gin (msisdn ??.gin_trgm_ops)`, [schema]);
}

/** The schema holding pg_trgm, creating the extension if it can; null when it is unavailable. */
async function trigramSchema(knex: Knex): Promise<string | null> {
  const find = async () => {
    const { rows } = await knex.raw(
      `select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'`,
    );
    return (rows[0]?.schema as string | undefined) ?? null;
  };
  const existing = await find();
  if (existing !== null) return existing;
  try {
    // A savepoint: a refused CREATE EXTENSION must not abort the migration's transaction.
    await knex.transaction((sp) => sp.raw('create extension if not exists pg_trgm schema public'));
  } catch {
    return null;
  }
  return find();
}

export async function down(knex: Knex): Promise<void> {
  if (isSqlite(knex)) {
    for (const t of ['insert', 'delete', 'update']) await knex.raw(`drop trigger simcard_search_${t}`);
    await knex.raw('drop table simcard_search');
    return;
  }
  // The extension stays: other schemas of the same database may use it.
  await knex.raw('drop index if exists simcards_iccid_trgm');
  await knex.raw('drop index if exists simcards_msisdn_trgm');
}
