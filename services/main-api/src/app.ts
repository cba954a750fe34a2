/**
 * The main API as a Koa app, built from its dependencies; `server.ts` (or a test) listens.
 * The middleware list reads top to bottom as a request's path.
 */
import { createRequire } from 'node:module';
import bodyParser from '@koa/bodyparser';
import { ApiRouter, authenticate, buildOpenApiDocument, errorHandler, monitoringRoutes, securityHeaders, ValidationError, type Config, type Logger, type TokenService } from '@simcard/common';
import type { Db } from '@simcard/db';
import Koa from 'koa';
import { authRoutes } from './routes/auth/auth.js';
import { shopRoutes } from './routes/shops/shops.js';
import { simcardRoutes } from './routes/simcards/simcards.js';
import { eventRoutes } from './routes/events/events.js';
import { notificationRoutes } from './routes/notifications/notifications.js';
import { statusCheckRoutes } from './routes/status-checks/status-checks.js';
import { userRoutes } from './routes/users/users.js';
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
  const auth = new AuthService(db, tokens, config.auth.scryptLog2N);
  const users = new UsersService(db, config.auth.scryptLog2N);
  const api = new ApiRouter({ authenticate: authenticate(auth.authenticator) });

  let openapi: object | undefined;
  monitoringRoutes(api, {
    checkDatabase: () => db.raw('select 1').then(() => true, () => false),
    name: 'SimCard Manager main API',
    version: pkg.version,
    links: { login: '/auth/login' },
    openapi: () =>
      (openapi ??= buildOpenApiDocument(api, {
        title: 'SimCard Manager main API',
        version: pkg.version,
        description: 'Shops, SIM cards, users. Errors are `{ error: { code, message, details } }`; lists are `{ data, total, limit, offset }`.',
      })),
  });
  authRoutes(api, auth, users);
  userRoutes(api, users);
  shopRoutes(api, new ShopsService(db));
  const simcards = new SimcardsService(db);
  simcardRoutes(api, simcards);
  // The operator's timeout, its retries and backoff, and a margin.
  const statusApi = new StatusApiClient(config.statusApi.url, tokens, config.provider.timeoutMs * 3 + 5000);
  const statusChecks = new StatusChecksService(db, simcards, statusApi);
  statusCheckRoutes(api, statusChecks);
  const feed = new EventFeed(db, statusChecks, log);
  eventRoutes(api, feed);
  notificationRoutes(api, new NotificationsService(db));

  const app = new Koa();
  app.proxy = false;
  // Errors are answered by errorHandler; koa's own printing of them would only duplicate it.
  app.silent = true;
  app
    .use(errorHandler(log))
    .use(securityHeaders())
    .use(
      bodyParser({
        enableTypes: ['json'],
        jsonLimit: config.http.jsonBodyLimitBytes,
        encoding: 'utf-8',
        // A body that does not decode as its Content-Encoding says (zlib's errors carry no status) is the client's error.
        onError: (err) => {
          if (typeof (err as { status?: unknown }).status === 'number') throw err;
          throw new ValidationError('Request body could not be decoded as its Content-Encoding says', undefined, 'malformed_body');
        },
      }),
    )
    .use(api.router.routes())
    // Not throwing: the router then sets the Allow header, which errorHandler keeps on its 405.
    .use(api.router.allowedMethods());
  const close = async () => {
    await feed.close();
    await statusApi.close();
  };
  return { app, api, close };
}
