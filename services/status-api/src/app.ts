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
  jsonBody,
  monitoringRoutes,
  securityHeaders,
  type Config,
  type Logger,
  type TokenService,
} from '@simcard/common';
import { usersRepository, type Db } from '@simcard/db';
import Koa from 'koa';
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
}

export function createApp({ config, db, tokens, log, checks, runs }: StatusApiDeps): { app: Koa; api: ApiRouter } {
  // The main API's user tokens, with the same roles, and its service credential.
  const authenticator = new Authenticator(tokens, (id, jti) => usersRepository.findForToken(db, id, jti), { acceptServiceTokens: true });
  const api = new ApiRouter({ authenticate: authenticate(authenticator) });

  let openapi: object | undefined;
  monitoringRoutes(api, {
    checkDatabase: () => db.raw('select 1').then(() => true, () => false),
    name: 'SimCard Manager status API',
    version: pkg.version,
    links: { check_runs: '/check-runs' },
    openapi: () =>
      (openapi ??= buildOpenApiDocument(api, {
        title: 'SimCard Manager status API',
        version: pkg.version,
        description: 'Asks the operator whether SIM cards were activated. 502/504 mean the operator failed; the SIM is then unchanged.',
      })),
  });
  checkRoutes(api, checks);
  checkRunRoutes(api, runs);

  const app = new Koa();
  app.silent = true;
  app
    .use(errorHandler(log))
    .use(securityHeaders())
    .use(jsonBody(config.http.jsonBodyLimitBytes))
    .use(api.router.routes())
    .use(api.router.allowedMethods());
  return { app, api };
}
