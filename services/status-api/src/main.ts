/** Starts the status API on a port (0: any free one) and answers how to stop it. */
import { createServer, type Server } from 'node:http';
import { autoCheckSchedules, type Config, createLogger, listen, type Logger, ServiceMetrics, TokenService } from '@simcard/common';
import { createDatabase, type Db, migrateToLatest, resolveJwtSecret } from '@simcard/db';
import { createApp } from './app.js';
import { Alerts, type AlertsOptions } from './notifications/alerts.js';
import { DailyDigest } from './notifications/digest.js';
import { type DispatcherOptions, NotificationDispatcher } from './notifications/dispatcher.js';
import { SaleOutbox } from './notifications/sale-outbox.js';
import { ProviderMetrics } from './provider/instrumented-provider.js';
import type { StatusProvider } from './provider/provider.js';
import { ProviderRouting } from './provider/routing.js';
import { CheckRuns } from './services/check-runs.js';
import { Checker } from './services/checker.js';
import { LiveChecks } from './services/live-checks.js';

export interface RunningStatusApi {
  url: string;
  port: number;
  db: Db;
  server: Server;
  /** The one provider for all SIMs (PROVIDER_URL, or options.provider); with a provider per operator, the first operator's. */
  provider: StatusProvider;
  /** Each operator's provider (issue 15). */
  routing: ProviderRouting;
  checker: Checker;
  runs: CheckRuns;
  close(): Promise<void>;
}

export interface StartOptions {
  /** One adapter for every SIM; by default each operator's from config.providers (PROVIDER_URL alone: one for all). */
  provider?: StatusProvider;
  /** Retry pacing of webhooks and Telegram (tests shorten it). */
  notifications?: DispatcherOptions;
  /** Each provider's circuit breaker (tests shorten its open time; default 5 failures, 10 s). */
  breaker?: { failureThreshold: number; openMs: number };
  /** SIMs per page of a run's lane (tests make it small). */
  runPageSize?: number;
  /** How often alerts look at the breaker and the data's age (tests shorten it). */
  alerts?: AlertsOptions;
}

export async function startStatusApi(
  config: Config,
  log: Logger = createLogger('status-api'),
  options: StartOptions = {},
): Promise<RunningStatusApi> {
  const db = createDatabase(config.database);
  // The checker calls each adapter through its metrics; `provider` below stays an adapter itself.
  const metrics = new ServiceMetrics('status-api');
  const providerMetrics = new ProviderMetrics(metrics);
  const routing = options.provider
    ? ProviderRouting.single(options.provider, config.checks.concurrency, providerMetrics)
    : // On PostgreSQL each operator's rate and concurrency are shared by all workers (issue 18).
      ProviderRouting.fromConfig(config.providers, providerMetrics, options.breaker, { db });
  const first = routing.all()[0]!;
  const adapter = first.adapter;
  try {
    await migrateToLatest(db);
    const tokens = new TokenService(await resolveJwtSecret(db, config.auth.jwtSecret), config.auth.tokenTtlSeconds);
    const checker = new Checker(db, routing, log, new SaleOutbox(config.notifications));
    const notifier = new NotificationDispatcher(db, config.notifications, log, options.notifications);
    checker.onSale(() => notifier.kick());
    const alerts = new Alerts(db, config, log, () => notifier.kick());
    const runs = new CheckRuns(db, checker, routing, log, {
      pageSize: options.runPageSize,
      giveUpAfterMs: config.checks.runGiveUpAfterMin * 60_000,
      lease: { leaseMs: config.checks.runLeaseMs },
      onFailed: (trx, run) => alerts.runFailed(trx, run),
    });
    await runs.recover();
    const checks = new LiveChecks(db, checker, config.checks.concurrency);
    const { app } = createApp({
      config,
      db,
      tokens,
      log,
      checks,
      runs,
      metrics,
      routing,
    });
    const listening = await listen(createServer(app.callback()), config.statusApi.port, { host: config.http.host });
    // AUTO_CHECK_INTERVAL_MIN, and each operator's own interval (PROVIDER_<OP>_AUTO_CHECK_INTERVAL_MIN).
    runs.schedule(autoCheckSchedules(config.providers, config.checks.autoCheckIntervalMin));
    notifier.start();
    // The daily digest (issue 17): needs Telegram and DIGEST_AT (not `off`).
    const { telegram, digest: digestAt } = config.notifications;
    const digest =
      telegram && digestAt.at
        ? new DailyDigest(db, { telegram, at: digestAt.at, timeZone: config.time.zone, adminLanguage: digestAt.adminLanguage }, log)
        : null;
    digest?.start();
    // provider.down/recovered: of the one provider for all, or of each operator's.
    alerts.start(
      routing.perOperator ? routing.all().map((r) => ({ operator: r.key, health: r.provider.health })) : first.provider.health,
      options.alerts,
    );
    return {
      url: listening.url,
      port: listening.port,
      db,
      server: listening.server,
      provider: adapter,
      routing,
      checker,
      runs,
      async close() {
        await listening.close();
        await runs.close();
        await alerts.close();
        await notifier.close();
        await digest?.close();
        await routing.close();
        await db.destroy();
      },
    };
  } catch (err) {
    await routing.close();
    await db.destroy();
    throw err;
  }
}
