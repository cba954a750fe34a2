/**
 * What must hold before the main API serves: migrations applied, a JWT secret, a first admin.
 * Safe to run from several processes at once.
 */
import { randomBytes } from 'node:crypto';
import { type Config, hashPassword, type Logger, TokenService } from '@simcard/common';
import { type Db, migrateToLatest, resolveJwtSecret, usersRepository } from '@simcard/db';

/** Creates the first admin when there is none: from ADMIN_USERNAME/ADMIN_PASSWORD, or with a random password printed once. */
export async function ensureFirstAdmin(db: Db, config: Config, log: Logger): Promise<void> {
  if (await usersRepository.anyAdminExists(db)) return;
  const generated = config.auth.adminPassword === null;
  const password = config.auth.adminPassword ?? randomBytes(12).toString('base64url');
  const username = config.auth.adminUsername;
  const at = new Date().toISOString();
  const inserted = await db('users')
    .insert({
      username,
      password_hash: await hashPassword(password, config.auth.scryptLog2N),
      role: 'admin',
      shop_id: null,
      is_active: true,
      created_at: at,
      updated_at: at,
    })
    .onConflict('username')
    .ignore()
    .returning('id');
  if (inserted.length === 0) return; // another process created it first
  if (generated) {
    log.warn(
      `First admin created. Sign in as "${username}" with password "${password}" — it is shown only this once; change it after signing in.`,
    );
  } else {
    log.info(`First admin "${username}" created from ADMIN_USERNAME/ADMIN_PASSWORD`);
  }
}

export async function prepareDatabase(db: Db, config: Config, log: Logger): Promise<TokenService> {
  const applied = await migrateToLatest(db);
  if (applied.length) log.info(`applied ${applied.length} migration(s)`, { migrations: applied });
  await ensureFirstAdmin(db, config, log);
  return new TokenService(await resolveJwtSecret(db, config.auth.jwtSecret), config.auth.tokenTtlSeconds);
}
