/**
 * A real status API beside a test's main API (its own database: the main API only needs to
 * reach it), and a port where nothing listens, for "the status API is down".
 */
import { createServer } from 'node:net';
import { loadConfig, type Logger, silentLogger } from '@simcard/common';
import { createTestDatabase } from '@simcard/db/testing';
import { startStatusApi } from '@simcard/status-api';
import { JWT_SECRET } from './harness.js';

export interface TestStatusApi {
  url: string;
  close(): Promise<void>;
}

export async function startTestStatusApi(env: Record<string, string> = {}, log: Logger = silentLogger): Promise<TestStatusApi> {
  const database = await createTestDatabase();
  const closedPort = await freePort();
  const base = loadConfig({ NODE_ENV: 'test', STATUS_API_PORT: '0', JWT_SECRET, PROVIDER_URL: `http://127.0.0.1:${closedPort}`, ...env });
  const running = await startStatusApi({ ...base, database: database.config }, log);
  return {
    url: running.url,
    async close() {
      await running.close();
      await database.drop();
    },
  };
}

/** A port that was free a moment ago, now closed: connecting to it is refused. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
