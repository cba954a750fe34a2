/**
 * One jest run, three projects: unit tests, and the database-backed tests twice, on SQLite and
 * on PostgreSQL. On CI (CI=true) PostgreSQL is required: unreachable is a failure, never a skip.
 */
import pg from 'pg';

const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresReachable() {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => {});
  }
}

const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/tests/setup/esbuild-transform.js' },
  // Sources import './x.js' (NodeNext); jest resolves the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

// Tests that need no database run once; the rest run on each dialect.
const unitTests = [
  '<rootDir>/common/src/**/*.test.ts',
  '<rootDir>/services/provider-sim/test/**/*.test.ts',
  // Pure rules, tested beside their modules (no database).
  '<rootDir>/services/*/src/**/*.test.ts',
  '<rootDir>/scripts/src/**/*.test.ts',
  '<rootDir>/web/src/**/*.test.ts',
];
const databaseTests = [
  '<rootDir>/db/test/**/*.test.ts',
  '<rootDir>/services/main-api/test/**/*.test.ts',
  '<rootDir>/services/status-api/test/**/*.test.ts',
];

export default async () => {
  const projects = [
    { ...base, displayName: 'unit', testMatch: unitTests },
    { ...base, displayName: 'sqlite', testMatch: databaseTests, setupFiles: ['<rootDir>/tests/setup/sqlite.ts'] },
    // Browser journeys in Chromium against the stack the start script brings up (tests/e2e/).
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'] },
  ];
  const reachable = await postgresReachable();
  if (reachable === true) {
    projects.push({ ...base, displayName: 'postgres', testMatch: databaseTests, setupFiles: ['<rootDir>/tests/setup/postgres.ts'] });
  } else if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL at ${POSTGRES_URL} is required on CI and unreachable: ${reachable}`);
  } else {
    console.warn(`\n!!! PostgreSQL at ${POSTGRES_URL} is unreachable (${reachable}): the postgres project is NOT run.\n`);
  }
  // A hang guard, not a speed check: on a loaded 2-core machine a PostgreSQL schema migrates in 30+ s.
  return { projects, testTimeout: 60_000, maxWorkers: 2 };
};
