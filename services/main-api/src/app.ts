/**
 * The main API as a Koa app, built from its dependencies; `server.ts` (or a test) listens.
 * The middleware list reads top to bottom as a request's path.
 */
import {
  ApiRouter,
  authenticate,
  buildOpenApiDocument,
  clientIp,
  type Config,
  cors,
  dbPoolGauge,
  errorHandler,
  type Logger,
  longestAutoCheckIntervalMin,
  metricsRoute,
  monitoringRoutes,
  postgresRateLimitStore,
  proxyTrust,
  RateLimits,
  requestId,
  securityHeaders,
  ServiceMetrics,
  type TokenService,
} from '@simcard/common';
import { checkRunsRepository, type Db, poolStats, SaleOutbox } from '@simcard/db';
import Koa from 'koa';
import { MAIN_API_INFO } from './api-info.js';
import { compressJson } from './http/compress-json.js';
import { staticWeb } from './http/static-web.js';
import { activationReportRoutes } from './routes/activation-reports/activation-reports.js';
// Routes: one `xRoutes(api, service)` per routes/X/X.ts, all listed in createApp below.
import { anomalyRoutes } from './routes/anomalies/anomalies.js';
import { apiKeyRoutes } from './routes/api-keys/api-keys.js';
import { assignmentRoutes } from './routes/assignments/assignments.js';
import { auditRoutes } from './routes/audit/audit.js';
import { authRoutes } from './routes/auth/auth.js';
import { chaseRoutes } from './routes/chase/chase.js';
import { commissionRuleRoutes } from './routes/commission-rules/commission-rules.js';
import { eventRoutes } from './routes/events/events.js';
import { handoverRoutes } from './routes/handovers/handovers.js';
import { historyRoutes } from './routes/history/history.js';
import { importRoutes } from './routes/imports/imports.js';
import { logRoutes } from './routes/logs/logs.js';
import { lookupRoutes } from './routes/lookup/lookup.js';
import { notificationRoutes } from './routes/notifications/notifications.js';
import { reportRoutes } from './routes/reports/reports.js';
import { shopRoutes } from './routes/shops/shops.js';
import { simcardSuggestRoutes } from './routes/simcard-suggest/simcard-suggest.js';
import { simcardRoutes } from './routes/simcards/simcards.js';
import { simcardExportRoutes } from './routes/simcards-export/simcards-export.js';
import { statementRoutes } from './routes/statements/statements.js';
import { statisticsRoutes } from './routes/statistics/statistics.js';
import { statusCheckRoutes } from './routes/status-checks/status-checks.js';
import { languageSetter, userLanguageRoutes } from './routes/users/language.js';
import { userRoutes } from './routes/users/users.js';
import { ActivationReportsService } from './services/activation-reports.js';
// Services: the rules, built once per app.
import { AnomaliesService } from './services/anomalies.js';
import { ApiKeysService } from './services/api-keys.js';
import { AssignmentsService } from './services/assignments.js';
import { AuditService } from './services/audit.js';
import { AuthService } from './services/auth.js';
import { ChaseService } from './services/chase.js';
import { CheckReportsService } from './services/check-reports.js';
import { CommissionsService } from './services/commissions.js';
import { EventFeed } from './services/event-feed.js';
import { ExportService } from './services/export.js';
import { HandoversService } from './services/handovers.js';
import { HistoryService } from './services/history.js';
import { IccidSuggestService } from './services/iccid-suggest.js';
import { Idempotency } from './services/idempotency.js';
import { ImportsService } from './services/imports.js';
import { LookupService } from './services/lookup.js';
import { NotificationsService } from './services/notifications.js';
import { ShopsService } from './services/shops.js';
import { SimcardsService } from './services/simcards.js';
import { StatementsService } from './services/statements.js';
import { StatisticsService } from './services/statistics.js';
import { StatusApiClient } from './services/status-api-client.js';
import { StatusChangeLogsService } from './services/status-change-logs.js';
import { StatusChecksService } from './services/status-checks.js';
import { UsersService } from './services/users.js';

export interface MainApiDeps {
  config: Config;
  db: Db;
  tokens: TokenService;
  log: Logger;
}

export function createApp({ config, db, tokens, log }: MainApiDeps): { app: Koa; api: ApiRouter; close: () => Promise<void> } {
  const metrics = new ServiceMetrics('main-api');
  dbPoolGauge(metrics, () => poolStats(db));
  const rejected = metrics.counter('rate_limit_rejections_total', 'Requests refused with 429, by limit', ['limit']);
  // On PostgreSQL the limits are counted in the database: every instance of the cluster in one window.
  const limitStore =
    config.database.client === 'postgres'
      ? postgresRateLimitStore(
          (sql, bindings) => db.raw(sql, bindings as (string | number)[]).then((r: { rows: Record<string, unknown>[] }) => r.rows),
          log,
        )
      : undefined;
  const limits = new RateLimits(config.limits, (limit) => rejected.inc({ limit }), undefined, limitStore);
  const apiKeys = new ApiKeysService(db, log);
  const auth = new AuthService(db, tokens, config.auth.scryptLog2N, apiKeys.lookup);
  const users = new UsersService(db, config.auth.scryptLog2N);
  // Each signed-in user and API key has its own limit, applied right after authentication.
  // Request bodies are read per endpoint, as each one declares (JSON after authentication).
  const api = new ApiRouter({
    authenticate: limits.principal(authenticate(auth.authenticator)),
    jsonBodyLimitBytes: config.http.jsonBodyLimitBytes,
    apiKeys: true,
  });

  let openapi: object | undefined;
  monitoringRoutes(api, {
    checkDatabase: () =>
      db.raw('select 1').then(
        () => true,
        () => false,
      ),
    name: MAIN_API_INFO.title,
    version: MAIN_API_INFO.version,
    links: { login: '/auth/login', metrics: '/metrics' },
    checks: { status_api: () => statusApi.ping() },
    freshness: async () => ({
      lastCompletedAt: await checkRunsRepository.lastCompletedAt(db),
      autoCheckIntervalMin: longestAutoCheckIntervalMin(config.providers, config.checks.autoCheckIntervalMin),
    }),
    openapi: () => (openapi ??= buildOpenApiDocument(api, MAIN_API_INFO)),
  });
  metricsRoute(api, metrics, authenticate(auth.authenticator));
  authRoutes(api, auth, users, limits.loginGuard());
  apiKeyRoutes(api, apiKeys);
  auditRoutes(api, new AuditService(db));
  // Before userRoutes: /users/me/language is not a /users/{id}.
  userLanguageRoutes(api, languageSetter(db));
  userRoutes(api, users);
  shopRoutes(api, new ShopsService(db));
  const simcards = new SimcardsService(db, config.time.zone);
  const idempotency = new Idempotency(db);
  // The fixed /simcards/<word> paths before simcardRoutes, whose `/simcards/{id}` would read the word as an id.
  importRoutes(api, new ImportsService(db, idempotency), idempotency);
  activationReportRoutes(
    api,
    new ActivationReportsService(db, idempotency, new SaleOutbox(config.notifications), config.time.zone),
    idempotency,
  );
  simcardExportRoutes(api, new ExportService(db, config.time.zone));
  lookupRoutes(api, new LookupService(db));
  assignmentRoutes(api, new AssignmentsService(db));
  simcardSuggestRoutes(api, new IccidSuggestService(db));
  handoverRoutes(api, new HandoversService(db, config.dealer.name));
  historyRoutes(api, new HistoryService(db, simcards));
  simcardRoutes(api, simcards);
  // The operator's timeout, its retries and backoff, and a margin.
  const statusApi = new StatusApiClient(config.statusApi.url, tokens, config.provider.timeoutMs * 3 + 5000);
  const statusChecks = new StatusChecksService(db, simcards, statusApi);
  statusCheckRoutes(api, statusChecks);
  const feed = new EventFeed(db, statusChecks, log, {
    authenticator: auth.authenticator,
    maxStreamsPerUser: config.events.maxStreamsPerUser,
  });
  eventRoutes(api, feed);
  notificationRoutes(api, new NotificationsService(db));
  statisticsRoutes(
    api,
    new StatisticsService(db, longestAutoCheckIntervalMin(config.providers, config.checks.autoCheckIntervalMin), config.time.zone),
  );
  logRoutes(api, new StatusChangeLogsService(db));
  reportRoutes(api, new CheckReportsService(db, config.time.zone));
  anomalyRoutes(api, new AnomaliesService(db, config.checks.staleDays));
  // The dealer's money and the chase (issue 17).
  commissionRuleRoutes(api, new CommissionsService(db, config.time.zone));
  statementRoutes(api, new StatementsService(db, config.time.zone));
  chaseRoutes(api, new ChaseService(db));

  const app = new Koa();
  // koa's own X-Forwarded-For handling stays off: clientIp believes it from our own proxies only (TRUST_PROXY).
  app.proxy = false;
  // Errors are answered by errorHandler; koa's own printing of them would only duplicate it.
  app.silent = true;
  app
    .use(clientIp(proxyTrust(config.http.trustProxy)))
    .use(requestId(log))
    .use(metrics.middleware())
    // The built web app and its /api prefix, when this instance serves them (WEB_DIST_DIR).
    .use(staticWeb(config.web.distDir))
    // Outside errorHandler: error answers are final by the time it compresses.
    .use(compressJson())
    .use(errorHandler(log))
    .use(securityHeaders())
    .use(cors(config.http.corsOrigins))
    .use(limits.anonymous())
    .use(api.routes())
    // Not throwing: the router then sets the Allow header, which errorHandler keeps on its 405.
    .use(api.router.allowedMethods());
  const close = async () => {
    limitStore?.close();
    await feed.close();
    await statusApi.close();
  };
  return { app, api, close };
}
