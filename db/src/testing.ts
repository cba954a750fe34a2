/**
 * Real databases for tests: a temporary SQLite file, or a fresh schema in the PostgreSQL at
 * TEST_POSTGRES_URL (default: the local `test` database), chosen by TEST_DB. Never a mock.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '@simcard/common';
import knex from 'knex';

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  dialect: 'sqlite' | 'postgres';
  config: DatabaseConfig;
  /** The same database as a DATABASE_URL, for child processes. */
  url: string;
  drop(): Promise<void>;
}

export function testDialect(): 'sqlite' | 'postgres' {
  return process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDialect() === 'postgres') {
    const schema = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = knex({ client: 'pg', connection: TEST_POSTGRES_URL, pool: { min: 0, max: 1 } });
    try {
      await admin.raw('create schema ??', [schema]);
    } finally {
      await admin.destroy();
    }
    const url = new URL(TEST_POSTGRES_URL);
    url.searchParams.set('schema', schema);
    return {
      dialect: 'postgres',
      config: { client: 'postgres', connectionString: TEST_POSTGRES_URL, schema },
      url: url.toString(),
      async drop() {
        const db = knex({ client: 'pg', connection: TEST_POSTGRES_URL, pool: { min: 0, max: 1 } });
        try {
          await db.raw('drop schema if exists ?? cascade', [schema]);
        } finally {
          await db.destroy();
        }
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'simcard-test-'));
  const filename = join(dir, 'test.sqlite');
  return {
    dialect: 'sqlite',
    config: { client: 'sqlite', filename },
    url: `sqlite:${filename}`,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
