import type { Knex } from 'knex';

/**
 * A claimed Idempotency-Key names its owner — the host's boot, the process and the claim
 * (`<boot id>:<pid>:<instance>:<nonce>`) — and holds a lease renewed while the request runs. A
 * retry after the owner died (kill -9 mid-import) is then processed at once when the owner was a
 * process of this host that is gone, or once the lease lapses otherwise, instead of being
 * refused with 409 for 15 minutes. Rows of older versions (no owner) keep the 15-minute rule.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.string('owner', 160);
    t.timestamp('lease_expires_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('idempotency_keys', (t) => {
    t.dropColumn('lease_expires_at');
    t.dropColumn('owner');
  });
}
