/**
 * The status API as a Koa app, built from its dependencies; `main.ts` (or a test) listens.
 */
import { createRequire } from 'node:module';
import {
  ApiRouter,
  authenticate,
  Authenticator,
  buildOpenApiDocument,
  errorHandler,
  monitoringRoutes,
  dbPoolGauge,
  metricsRoute,
  requestId,
  securityHeaders,
  ServiceMetrics,
  type Config,
  type Logger,
  type TokenService,
} from '@simcard/common';
import { checkRunsRepository, poolStats, usersRepository, type Db } from '@simcard/db';
import Koa from 'koa';
import { checkRunRoutes } from './routes/check-runs/check-runs.js';
import { checkRoutes } from './routes/checks/checks.js';
import { checkRunMetrics } from './check-run-metrics.js';
import type { CheckRuns } from './services/check-runs.js';
import type { LiveChecks } from './services/live-checks.js';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export interface StatusApiDeps {
  config: Config;
  db: Db;
  tokens: TokenService;
  log: Logger;
  checks: LiveChecks;
  runs: CheckRuns;
  /** This instance's metrics (the provider's are recorded into it too); a new registry when absent. */
  metrics?: ServiceMetrics;
  /** The operator circuit breaker's state, for /health; null when the adapter has none. */
  breakerState?: () => string | null;
}

export function createApp({ config, db, tokens, log, checks, runs, metrics = new ServiceMetrics('status-api'), breakerState = () => null }: StatusApiDeps): {
  app: Koa;
  api: ApiRouter;
} {
  // The main API's user tokens, with the same roles, and its service credential.
  const authenticator = new Authenticator(tokens, (id, jti) => usersRepository.findForToken(db, id, jti), { acceptServiceTokens: true });
  // Request bodies are read per endpoint, as each one declares (JSON after authentication).
  const api = new ApiRouter({ authenticate: authenticate(authenticator), jsonBodyLimitBytes: config.http.jsonBodyLimitBytes });

  let openapi: object | undefined;
  monitoringRoutes(api, {
    checkDatabase: () => db.raw('select 1').then(() => true, () => false),
    name: 'SimCard Manager status API',
    version: pkg.version,
    links: { check_runs: '/check-runs', metrics: '/metrics' },
    // An open breaker means the operator keeps failing: checks are refused until it recovers.
    checks: {
      provider: async () => {
        const breaker = breakerState();
        return { ok: breaker !== 'open', detail: { breaker } };
      },
    },
    freshness: async () => ({ lastCompletedAt: await checkRunsRepository.lastCompletedAt(db), autoCheckIntervalMin: config.checks.autoCheckIntervalMin }),
    openapi: () =>
      (openapi ??= buildOpenApiDocument(api, {
        title: 'SimCard Manager status API',
        version: pkg.version,
        description: 'Asks the operator whether SIM cards were activated. 502/504 mean the operator failed; the SIM is then unchanged.',
      })),
  });
  dbPoolGauge(metrics, () => poolStats(db));
  checkRunMetrics(metrics, db);
  metricsRoute(api, metrics, authenticate(authenticator));
  checkRoutes(api, checks);
  checkRunRoutes(api, runs);

  const app = new Koa();
  app.silent = true;
  app
    .use(requestId(log))
    .use(metrics.middleware())
    .use(errorHandler(log))
    .use(securityHeaders())
    .use(api.router.routes())
    .use(api.router.allowedMethods());
  return { app, api };
}
