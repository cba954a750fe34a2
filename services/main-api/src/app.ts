/**
 * The main API as a Koa app, built from its dependencies; `server.ts` (or a test) listens.
 * The middleware list reads top to bottom as a request's path.
 */
import { createRequire } from 'node:module';
import {
  ApiRouter,
  authenticate,
  buildOpenApiDocument,
  cors,
  dbPoolGauge,
  errorHandler,
  metricsRoute,
  monitoringRoutes,
  RateLimits,
  requestId,
  securityHeaders,
  ServiceMetrics,
  type Config,
  type Logger,
  type TokenService,
} from '@simcard/common';
import { checkRunsRepository, poolStats, type Db } from '@simcard/db';
import { apiKeyRoutes } from './routes/api-keys/api-keys.js';
import { auditRoutes } from './routes/audit/audit.js';
import { ApiKeysService } from './services/api-keys.js';
import { AuditService } from './services/audit.js';
import Koa from 'koa';
import { authRoutes } from './routes/auth/auth.js';
import { shopRoutes } from './routes/shops/shops.js';
import { simcardRoutes } from './routes/simcards/simcards.js';
import { registerImportRoutes } from './routes/imports/register.js';
import { simcardOperationRoutes } from './routes/simcard-operations.js';
import { eventRoutes } from './routes/events/events.js';
import { notificationRoutes } from './routes/notifications/notifications.js';
import { statusCheckRoutes } from './routes/status-checks/status-checks.js';
import { userRoutes } from './routes/users/users.js';
import { registerStatisticsRoutes } from './routes/statistics/register.js';
import { AuthService } from './services/auth.js';
import { ShopsService } from './services/shops.js';
import { SimcardsService } from './services/simcards.js';
import { StatusApiClient } from './services/status-api-client.js';
import { EventFeed } from './services/event-feed.js';
import { NotificationsService } from './services/notifications.js';
import { StatusChecksService } from './services/status-checks.js';
import { UsersService } from './services/users.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

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
  const limits = new RateLimits(config.limits, (limit) => rejected.inc({ limit }));
  const apiKeys = new ApiKeysService(db, log);
  const auth = new AuthService(db, tokens, config.auth.scryptLog2N, apiKeys.lookup);
  const users = new UsersService(db, config.auth.scryptLog2N);
  // Each signed-in user and API key has its own limit, applied right after authentication.
  // Request bodies are read per endpoint, as each one declares (JSON after authentication).
  const api = new ApiRouter({
    authenticate: limits.principal(authenticate(auth.authenticator)),
    jsonBodyLimitBytes: config.http.jsonBodyLimitBytes,
  });

  let openapi: object | undefined;
  monitoringRoutes(api, {
    checkDatabase: () => db.raw('select 1').then(() => true, () => false),
    name: 'SimCard Manager main API',
    version: pkg.version,
    links: { login: '/auth/login', metrics: '/metrics' },
    checks: { status_api: () => statusApi.ping() },
    freshness: async () => ({ lastCompletedAt: await checkRunsRepository.lastCompletedAt(db), autoCheckIntervalMin: config.checks.autoCheckIntervalMin }),
    openapi: () =>
      (openapi ??= buildOpenApiDocument(api, {
        title: 'SimCard Manager main API',
        version: pkg.version,
        description: 'Shops, SIM cards, users. Errors are `{ error: { code, message, details } }`; lists are `{ data, total, limit, offset }`.',
      })),
  });
  metricsRoute(api, metrics, authenticate(auth.authenticator));
  authRoutes(api, auth, users, limits.loginGuard());
  apiKeyRoutes(api, apiKeys);
  auditRoutes(api, new AuditService(db));
  userRoutes(api, users);
  shopRoutes(api, new ShopsService(db));
  const simcards = new SimcardsService(db);
  registerImportRoutes(api, db);
  simcardOperationRoutes(api, db, simcards);
  simcardRoutes(api, simcards);
  // The operator's timeout, its retries and backoff, and a margin.
  const statusApi = new StatusApiClient(config.statusApi.url, tokens, config.provider.timeoutMs * 3 + 5000);
  const statusChecks = new StatusChecksService(db, simcards, statusApi);
  statusCheckRoutes(api, statusChecks);
  const feed = new EventFeed(db, statusChecks, log);
  eventRoutes(api, feed);
  notificationRoutes(api, new NotificationsService(db));
  registerStatisticsRoutes(api, db, config);

  const app = new Koa();
  // Only behind a reverse proxy that sets X-Forwarded-For: otherwise clients could pick their IP (and rate-limit bucket).
  app.proxy = config.http.trustProxy;
  // The address our proxy appended (the last one), not whatever the client put first.
  app.maxIpsCount = 1;
  // Errors are answered by errorHandler; koa's own printing of them would only duplicate it.
  app.silent = true;
  app
    .use(requestId(log))
    .use(metrics.middleware())
    .use(errorHandler(log))
    .use(securityHeaders())
    .use(cors(config.http.corsOrigins))
    .use(limits.anonymous())
    .use(api.router.routes())
    // Not throwing: the router then sets the Allow header, which errorHandler keeps on its 405.
    .use(api.router.allowedMethods());
  const close = async () => {
    await feed.close();
    await statusApi.close();
  };
  return { app, api, close };
}
