/**
 * The status API as a Koa app, built from its dependencies; `main.ts` (or a test) listens.
 */
import { createRequire } from 'node:module';
import {
  ApiRouter,
  authenticate,
  Authenticator,
  buildOpenApiDocument,
  type Config,
  dbPoolGauge,
  errorHandler,
  type Logger,
  longestAutoCheckIntervalMin,
  metricsRoute,
  monitoringRoutes,
  requestId,
  securityHeaders,
  ServiceMetrics,
  type TokenService,
} from '@simcard/common';
import { checkRunsRepository, type Db, poolStats, usersRepository } from '@simcard/db';
import Koa from 'koa';
import { checkRunMetrics } from './check-run-metrics.js';
import type { OperatorRoute, ProviderRouting } from './provider/routing.js';
import { checkRunRoutes } from './routes/check-runs/check-runs.js';
import { checkRoutes } from './routes/checks/checks.js';
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
  /** Each operator's provider: /health names each one's breaker (`provider`, or `provider:<operator>` per operator). */
  routing?: ProviderRouting;
}

export function createApp({ config, db, tokens, log, checks, runs, metrics = new ServiceMetrics('status-api'), routing }: StatusApiDeps): {
  app: Koa;
  api: ApiRouter;
} {
  // The main API's user tokens, with the same roles, and its service credential.
  const authenticator = new Authenticator(tokens, (id, jti) => usersRepository.findForToken(db, id, jti), { acceptServiceTokens: true });
  // Request bodies are read per endpoint, as each one declares (JSON after authentication).
  const api = new ApiRouter({ authenticate: authenticate(authenticator), jsonBodyLimitBytes: config.http.jsonBodyLimitBytes });

  let openapi: object | undefined;
  monitoringRoutes(api, {
    checkDatabase: () =>
      db.raw('select 1').then(
        () => true,
        () => false,
      ),
    name: 'SimCard Manager status API',
    version: pkg.version,
    links: { check_runs: '/check-runs', metrics: '/metrics' },
    // An open (or half-open) breaker means the operator keeps failing: runs wait, live checks are
    // refused until it recovers. This instance still serves: `degraded`, not 503.
    // One operator's open breaker is that operator's part failing, named as such; the others
    // are checked as usual.
    checks: Object.fromEntries(
      (routing?.all() ?? []).map((route) => [route.key === '*' ? 'provider' : `provider:${route.key}`, () => providerCheck(route)]),
    ),
    freshness: async () => ({
      lastCompletedAt: await checkRunsRepository.lastCompletedAt(db),
      autoCheckIntervalMin: longestAutoCheckIntervalMin(config.providers, config.checks.autoCheckIntervalMin),
    }),
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

async function providerCheck(route: OperatorRoute) {
  const breaker = route.provider.breakerState();
  const downSince = route.provider.health?.downSince() ?? null;
  return {
    ok: breaker === null || breaker === 'closed',
    detail: { breaker, ...(route.key === '*' ? {} : { operator: route.key }) },
    ...(downSince === null ? {} : { since: new Date(downSince).toISOString() }),
  };
}
