import type { Knex } from 'knex';

/**
 * One budget per operator across all status API workers on one PostgreSQL (issue 18).
 *
 * `operator_rate_slots`: the operator's calls per second as numbered slots of each period
 * (`bucket` = period number since the epoch, by the workers' clocks). A worker reserves a few
 * slots in one statement (`next_slot` moves on, `granted` says how many this statement got) and
 * sends each call at its slot's time, so the whole cluster never sends more than the limit.
 *
 * `operator_concurrency`: how many calls each live worker may have in flight to the operator
 * (`allotted`), renewed by the worker's heartbeat (`beat_at`); the allotments never add up to
 * more than the operator's concurrency. A worker whose heartbeat is older than its lease is
 * dead and its row is removed by the next worker that beats.
 *
 * Created on SQLite too (one process there keeps the in-process limiter and never uses them).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('operator_rate_slots', (t) => {
    t.string('operator', 64).notNullable();
    t.bigInteger('bucket').notNullable();
    t.integer('next_slot').notNullable();
    t.integer('granted').notNullable();
    t.primary(['operator', 'bucket']);
  });
  await knex.schema.createTable('operator_concurrency', (t) => {
    t.string('operator', 64).notNullable();
    t.string('worker', 200).notNullable();
    t.integer('allotted').notNullable();
    t.timestamp('beat_at', { useTz: true }).notNullable();
    t.primary(['operator', 'worker']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('operator_concurrency');
  await knex.schema.dropTable('operator_rate_slots');
}
