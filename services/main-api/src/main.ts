/** Starts the main API on a port (0: any free one) and answers how to stop it. */
import { createServer, type Server } from 'node:http';
import { type Config, configurePasswordHashing, createLogger, listen, type Logger } from '@simcard/common';
import { createDatabase, type Db } from '@simcard/db';
import { createApp } from './app.js';
import { prepareDatabase } from './bootstrap.js';

export interface RunningMainApi {
  url: string;
  port: number;
  db: Db;
  server: Server;
  /**
   * SIGTERM's first step: stop accepting connections, end the event streams, and resolve once
   * the requests in flight have been answered (runService bounds how long this may take).
   */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export async function startMainApi(config: Config, log: Logger = createLogger('main-api')): Promise<RunningMainApi> {
  // Sign-ins share libuv's pool with the SQLite driver: a few hashes at a time, the rest queue.
  configurePasswordHashing(config.passwordHashing);
  const db = createDatabase(config.database);
  try {
    const tokens = await prepareDatabase(db, config, log);
    const built = createApp({ config, db, tokens, log });
    // drain() and close() both close the app (event feed, status API client): once.
    let appClosed: Promise<void> | undefined;
    const closeApp = () => (appClosed ??= built.close());
    const server = createServer(built.app.callback());
    // Requests being answered: drain() waits for them.
    let inFlight = 0;
    server.on('request', (_req, res) => {
      inFlight++;
      res.once('close', () => inFlight--);
    });
    // Loopback unless HOST opens it: the web app's proxy, on this machine, is how browsers reach it.
    const listening = await listen(server, config.mainApi.port, { host: config.http.host });
    return {
      url: listening.url,
      port: listening.port,
      db,
      server: listening.server,
      async drain() {
        const connectionsGone = listening.stopAccepting();
        await closeApp(); // ends the event streams
        while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        // Idle kept-alive connections: the proxy closes its own first (see stopAccepting).
        await connectionsGone;
      },
      async close() {
        await closeApp();
        await listening.close();
        await db.destroy();
      },
    };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}
