/**
 * `npm start -- --demo` (`npm run demo`): the whole stack on a demo database of its own, full of
 * two months of realistic data (demo-data.ts), with the simulated operator selling a few SIMs a
 * minute and a check run every minute, so the dashboard's live updates can be watched.
 *
 * The demo never touches the real database: it uses db/demo.sqlite, made afresh at each start.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '@simcard/common';
import { createDatabase } from '@simcard/db';
import { type DemoSummary, seedDemo } from './demo-data.js';

export const DEMO_DATABASE_FILE = fileURLToPath(new URL('../../db/demo.sqlite', import.meta.url));
export const DEMO_ADMIN_PASSWORD = 'demo-admin';
/** Sales the simulated operator makes per minute, among the SIMs it has been asked about. */
export const DEMO_SALES_PER_MINUTE = 3;

/**
 * Points the environment at the demo (before the configuration is read): its own database, a
 * known admin password, a check run every minute. Returns why the demo cannot run, or null.
 */
export function useDemoEnvironment(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env['PROVIDER_URL'])
    return '--demo runs against the simulated operator: unset PROVIDER_URL (the demo SIMs would be sent to a real operator).';
  env['DATABASE_URL'] = `sqlite:${DEMO_DATABASE_FILE}`;
  env['ADMIN_PASSWORD'] ??= DEMO_ADMIN_PASSWORD;
  env['AUTO_CHECK_INTERVAL_MIN'] ??= '1';
  return null;
}

/** Removes the previous demo database (a fresh demo each time). */
export function removeDemoDatabase(): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(DEMO_DATABASE_FILE + suffix, { force: true });
}

/** Fills the (just migrated) demo database. */
export async function seedDemoDatabase(config: Config): Promise<DemoSummary> {
  const db = createDatabase(config.database);
  try {
    return await seedDemo(db);
  } finally {
    await db.destroy();
  }
}

/** Tells the simulated operator to sell SIMs slowly; the minutely check run then reports them. */
export async function startDemoSales(config: Config): Promise<void> {
  const url = `http://127.0.0.1:${config.provider.simulatorPort}/_sim/config`;
  const headers = { authorization: `Bearer ${config.provider.token}`, 'content-type': 'application/json' };
  const current = (await (await fetch(url, { headers })).json()) as Record<string, unknown>;
  const res = await fetch(url, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ ...current, latency_ms: 80, latency_max_ms: 400, sales_per_minute: DEMO_SALES_PER_MINUTE }),
  });
  if (!res.ok) throw new Error(`the simulator refused the demo settings (${res.status})`);
}
