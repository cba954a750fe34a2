/** Starts the status API on a port (0: any free one) and answers how to stop it. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger, ServiceMetrics, TokenService, type Config, type Logger } from '@simcard/common';
import { createDatabase, migrateToLatest, resolveJwtSecret, type Db } from '@simcard/db';
import { createApp } from './app.js';
import { NotificationDispatcher, type DispatcherOptions } from './notifications/dispatcher.js';
import { SaleOutbox } from './notifications/sale-outbox.js';
import { HttpProvider } from './provider/http-provider.js';
import { instrumentProvider } from './provider/instrumented-provider.js';
import type { StatusProvider } from './provider/provider.js';
import { CheckRuns } from './services/check-runs.js';
import { Checker } from './services/checker.js';
import { LiveChecks } from './services/live-checks.js';

export interface RunningStatusApi {
  url: string;
  port: number;
  db: Db;
  server: Server;
  provider: StatusProvider;
  checker: Checker;
  runs: CheckRuns;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Another operator adapter; by default the HTTP provider contract at config.provider.url. */
  provider?: StatusProvider;
  /** Retry pacing of webhooks and Telegram (tests shorten it). */
  notifications?: DispatcherOptions;
}

export async function startStatusApi(config: Config, log: Logger = createLogger('status-api'), options: StartOptions = {}): Promise<RunningStatusApi> {
  const db = createDatabase(config.database);
  const adapter =
    options.provider ??
    new HttpProvider({
      url: config.provider.url,
      token: config.provider.token,
      timeoutMs: config.provider.timeoutMs,
      connections: config.checks.concurrency,
      rateLimitPerSecond: config.provider.rateLimitPerSecond,
    });
  // The checker calls the adapter through its metrics; `provider` below stays the adapter itself.
  const metrics = new ServiceMetrics('status-api');
  const provider = instrumentProvider(adapter, metrics);
  try {
    await migrateToLatest(db);
    const tokens = new TokenService(await resolveJwtSecret(db, config.auth.jwtSecret), config.auth.tokenTtlSeconds);
    const checker = new Checker(db, provider, log, new SaleOutbox(config.notifications));
    const notifier = new NotificationDispatcher(db, config.notifications, log, options.notifications);
    checker.onSale(() => notifier.kick());
    const runs = new CheckRuns(db, checker, config.checks.concurrency, log);
    await runs.recover();
    const checks = new LiveChecks(db, checker, config.checks.concurrency);
    const { app } = createApp({ config, db, tokens, log, checks, runs, metrics, breakerState: provider.breakerState });
    const server = app.listen(config.statusApi.port);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.headersTimeout = 15_000;
    server.requestTimeout = 60_000;
    runs.schedule(config.checks.autoCheckIntervalMin);
    notifier.start();
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      db,
      server,
      provider: adapter,
      checker,
      runs,
      async close() {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await runs.close();
        await notifier.close();
        await provider.close();
        await db.destroy();
      },
    };
  } catch (err) {
    await provider.close();
    await db.destroy();
    throw err;
  }
}
