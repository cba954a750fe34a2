/**
 * `npm run db:migrate` applies pending migrations; `-- down` rolls all back; `-- status` lists.
 * Uses DATABASE_URL like the services do.
 */
import { ConfigError, loadConfig, loadEnvFile } from '@simcard/common';
import { createDatabase } from '../connection.js';
import { migrateToLatest, migrationStatus, rollbackAll } from '../migrate.js';

const command = process.argv[2] ?? 'up';

async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig();
  const db = createDatabase(config.database);
  try {
    if (command === 'up') {
      const applied = await migrateToLatest(db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
    } else if (command === 'down') {
      const undone = await rollbackAll(db);
      console.log(undone.length ? `rolled back: ${undone.join(', ')}` : 'nothing to roll back');
    } else if (command === 'status') {
      const { applied, pending } = await migrationStatus(db);
      console.log(`applied (${applied.length}): ${applied.join(', ') || '-'}\npending (${pending.length}): ${pending.join(', ') || '-'}`);
    } else {
      throw new ConfigError(`unknown command "${command}": use up, down or status`);
    }
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
