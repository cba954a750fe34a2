import type { Knex } from 'knex';

/**
 * The outbox of sale notifications (webhooks, Telegram): written in the same transaction as the
 * sale, so none is lost to a crash; sent, retried and recorded by the status API's dispatcher.
 * An admin reads it as the delivery log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notification_deliveries', (t) => {
    t.increments('id');
    t.string('channel', 16).notNullable().checkIn(['webhook', 'telegram'], 'notification_deliveries_channel_check');
    // The webhook's URL, or the Telegram chat id.
    t.string('target', 2048).notNullable();
    t.string('event', 32).notNullable();
    t.integer('simcard_id').unsigned().references('id').inTable('simcards').onDelete('SET NULL');
    // Exactly what is sent (the webhook body; the sale for Telegram), so a retry sends the same bytes.
    t.text('payload').notNullable();
    t.string('status', 16).notNullable().checkIn(['pending', 'delivered', 'failed'], 'notification_deliveries_status_check');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    t.integer('response_status');
    t.string('last_error', 500);
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('delivered_at', { useTz: true });
    t.index(['status', 'next_attempt_at']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notification_deliveries');
}
