/**
 * Operator commands, against the database DATABASE_URL names (the same configuration as the
 * services). They go through the main API's services, so the same rules hold (a staff user
 * needs an existing shop, the last admin stays, ...) and every change is in the audit log,
 * made by `cli`.
 *
 *   npm run cli -- create-user alisher --role staff --shop 3 [--password …] [--full-name "…"]
 *   npm run cli -- reset-password alisher [--password …]
 *   npm run cli -- create-api-key "accounting export" --role read [--owner admin]
 *   npm run cli -- list-users
 *
 * Without --password a strong one is generated and printed once. Prefer that (or typing it
 * in a shell that does not keep history): a password on the command line stays in the history.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, HttpError, loadConfig, loadEnvFile, silentLogger } from '@simcard/common';
import { createDatabase, type Db, migrateToLatest, usersRepository } from '@simcard/db';
import { ApiKeysService, commandLineActor, CreateUserBody, UpdateUserBody, UsersService } from '@simcard/main-api';
import type { z } from 'zod';

export const USAGE = `Usage: npm run cli -- <command>
  create-user <username> --role admin|staff [--shop <id>] [--password <p>] [--full-name <name>]
  reset-password <username> [--password <p>]
  create-api-key <name> --role read|admin [--owner <admin username>]
  list-users`;

export class UsageError extends Error {}

export interface CliContext {
  db: Db;
  config: Config;
  /** Where answers go (stdout); they may hold a new password or key, shown this once. */
  out: (line: string) => void;
}

function generatedPassword(): string {
  return randomBytes(15).toString('base64url');
}

/** Input checked by the API's own schema for the same change, so both accept exactly the same. */
function checked<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new UsageError(result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T {
  if (!value || !(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}`);
  return value as T;
}

function positionalName(positionals: string[], what: string): string {
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new UsageError(`give exactly one ${what}`);
  return name;
}

async function findUser(db: Db, username: string) {
  const user = await usersRepository.findByUsername(db, username.trim().toLowerCase());
  if (!user) throw new UsageError(`no user named ${username}`);
  return user;
}

/** The admin a CLI-made key acts for: --owner, else ADMIN_USERNAME, else the first active admin. */
async function keyOwner(db: Db, config: Config, owner: string | undefined): Promise<number> {
  if (owner) {
    const user = await findUser(db, owner);
    if (user.role !== 'admin' || !user.is_active) throw new UsageError(`${owner} is not an active admin`);
    return user.id;
  }
  const preferred = await usersRepository.findByUsername(db, config.auth.adminUsername);
  if (preferred && preferred.role === 'admin' && preferred.is_active) return preferred.id;
  const { rows } = await usersRepository.list(
    db,
    { role: 'admin', isActive: true },
    { limit: 1, offset: 0 },
    { column: 'id', direction: 'asc' },
  );
  if (!rows[0]) throw new UsageError('there is no active admin for the key to act for; create one first');
  return rows[0].id;
}

export async function runCli(argv: string[], { db, config, out }: CliContext): Promise<void> {
  const [command, ...rest] = argv;
  const actor = commandLineActor();
  const users = new UsersService(db, config.auth.scryptLog2N);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      role: { type: 'string' },
      shop: { type: 'string' },
      password: { type: 'string' },
      'full-name': { type: 'string' },
      owner: { type: 'string' },
    },
  });

  switch (command) {
    case 'create-user': {
      const username = positionalName(positionals, 'username');
      const role = oneOf(values.role, ['admin', 'staff'] as const, '--role');
      if (values.shop !== undefined && !/^\d{1,10}$/.test(values.shop)) throw new UsageError('--shop must be a shop id');
      const password = values.password ?? generatedPassword();
      const input = checked(CreateUserBody, {
        username,
        password,
        role,
        shop_id: values.shop === undefined ? null : Number(values.shop),
        full_name: values['full-name'],
      });
      const user = await users.create(actor, input);
      out(`created ${user.role} ${user.username} (id ${user.id}${user.shop_id ? `, shop ${user.shop_id}` : ''})`);
      if (!values.password) out(`password: ${password}   (shown only this once)`);
      return;
    }
    case 'reset-password': {
      const user = await findUser(db, positionalName(positionals, 'username'));
      const password = values.password ?? generatedPassword();
      await users.update(actor, user.id, checked(UpdateUserBody, { password }));
      out(`password of ${user.username} reset; their sessions are signed out`);
      if (!values.password) out(`password: ${password}   (shown only this once)`);
      return;
    }
    case 'create-api-key': {
      const name = positionalName(positionals, 'key name');
      if (name.length > 100) throw new UsageError('the key name must be at most 100 characters');
      const role = oneOf(values.role, ['read', 'admin'] as const, '--role');
      const ownerId = await keyOwner(db, config, values.owner);
      const { row, key } = await new ApiKeysService(db, silentLogger).create(actor, { name, role, ownerId });
      out(`created ${row.role} API key "${row.name}" (id ${row.id}, prefix ${row.prefix})`);
      out(`key: ${key}   (shown only this once; send it as X-API-Key)`);
      return;
    }
    case 'list-users': {
      if (positionals.length) throw new UsageError('list-users takes no arguments');
      const { rows } = await users.list({}, { limit: 100_000, offset: 0 }, { column: 'username', direction: 'asc' });
      out(['id', 'username', 'role', 'shop', 'active', 'last login'].join('\t'));
      for (const u of rows) {
        out(
          [
            u.id,
            u.username,
            u.role,
            u.shop_id ?? '-',
            u.is_active ? 'yes' : 'no',
            u.last_login_at ? new Date(u.last_login_at).toISOString() : '-',
          ].join('\t'),
        );
      }
      return;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'no command given');
  }
}

/** The process entry: exit code 0 on success, 2 on bad usage, 1 on a refused or failed change. */
async function main(): Promise<number> {
  let config: Config;
  try {
    loadEnvFile();
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const db = createDatabase(config.database);
  try {
    await migrateToLatest(db);
    await runCli(process.argv.slice(2), { db, config, out: (line) => process.stdout.write(`${line}\n`) });
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof HttpError) {
      const details = err.details?.map((d) => `${d.field ? `${d.field}: ` : ''}${d.reason}`).join('; ');
      process.stderr.write(`${err.message}${details && !err.message.includes(details) ? ` (${details})` : ''}\n`);
      return 1;
    }
    throw err;
  } finally {
    await db.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main();
}
