/** Starts the main API on a port (0: any free one) and answers how to stop it. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger, type Config, type Logger } from '@simcard/common';
import { createDatabase, type Db } from '@simcard/db';
import { createApp } from './app.js';
import { prepareDatabase } from './bootstrap.js';

export interface RunningMainApi {
  url: string;
  port: number;
  db: Db;
  server: Server;
  close(): Promise<void>;
}

export async function startMainApi(config: Config, log: Logger = createLogger('main-api')): Promise<RunningMainApi> {
  const db = createDatabase(config.database);
  try {
    const tokens = await prepareDatabase(db, config, log);
    const { app, close: closeApp } = createApp({ config, db, tokens, log });
    const server = app.listen(config.mainApi.port);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    // Slow clients cannot hold a connection open forever.
    server.headersTimeout = 15_000;
    server.requestTimeout = 60_000;
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      db,
      server,
      async close() {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await closeApp();
        // Event streams never end by themselves.
        server.closeAllConnections();
        await closed;
        await db.destroy();
      },
    };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}
