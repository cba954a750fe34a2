import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { dataFreshness } from '../freshness.js';
import { INSTANCE_ID } from '../instance.js';
import type { ApiRouter } from './api-router.js';
import { DocsAssetParams, HealthResponse, LiveResponse, ReadyResponse, RootResponse } from './monitoring.schema.js';

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>SimCard Manager API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>SwaggerUIBundle({ url: '/openapi.json', dom_id: '#docs' });</script>
</body>
</html>`;

export interface MonitoringDeps {
  /** Whether the database answers; /health (and /health/ready) are 503 when it does not: this instance cannot serve. */
  checkDatabase: () => Promise<boolean>;
  name: string;
  version: string;
  openapi: () => object;
  links?: Record<string, string>;
  /** More parts /health checks by name (status_api, provider); a failing one makes it `degraded` (still 200). */
  checks?: Record<string, HealthCheck>;
  /** The last completed check run and the auto-check interval: the data_stale report. */
  freshness?: () => Promise<{ lastCompletedAt: Date | null; autoCheckIntervalMin: number }>;
}

export interface HealthCheckResult {
  ok: boolean;
  /** What was found, reported beside the status (e.g. `breaker: 'open'`, `error: 'ECONNREFUSED'`). */
  detail?: Record<string, unknown>;
  /** When failing: since when, if the part knows (an ISO time); else since this instance first saw it fail. */
  since?: string;
  /** Parts behind this one that it reports on, by name (the status API reports the operator's breaker). */
  parts?: Record<string, HealthCheckResult>;
}

export type HealthCheck = () => Promise<HealthCheckResult>;

/** A dependency that does not answer within this is failing: /health itself must answer quickly. */
const HEALTH_CHECK_TIMEOUT_MS = 3000;

async function runCheck(check: HealthCheck): Promise<HealthCheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthCheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, detail: { error: `no answer within ${HEALTH_CHECK_TIMEOUT_MS} ms` } }),
      HEALTH_CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      check().catch((err: unknown) => ({ ok: false, detail: { error: err instanceof Error ? err.message : String(err) } })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/`, `/health`, `/health/live`, `/health/ready`, `/openapi.json` and `/docs`: every service has
 * them. `/health` tells the truth about every part: `ok`, or `degraded` naming each failing part
 * and since when (still 200: this instance serves what it can), and 503 `unavailable` only when
 * its own database fails. `/health/live` (the process answers; for a restart probe) and
 * `/health/ready` (it can serve: the database answers; for a load balancer) check nothing else.
 */
export function monitoringRoutes(api: ApiRouter, deps: MonitoringDeps): void {
  const startedAt = Date.now();
  /** Since when each part has been failing, as this instance saw it. */
  const failingSince = new Map<string, string>();
  // Resolved, not imported: swagger-ui-dist's main module loads its whole 1.5 MB bundle.
  const swaggerDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

  api.endpoint(
    {
      method: 'get',
      path: '/',
      tag: 'Monitoring',
      summary: 'Name, version and links',
      access: 'public',
      responses: { 200: { description: 'About this API', schema: RootResponse } },
    },
    (ctx) => {
      ctx.body = {
        name: deps.name,
        version: deps.version,
        links: { health: '/health', openapi: '/openapi.json', docs: '/docs', ...deps.links },
      };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/health',
      tag: 'Monitoring',
      summary: 'Every part: ok, or degraded naming the failing ones and since when',
      access: 'public',
      responses: {
        200: {
          description:
            '`ok`, or `degraded`: `failing` names each failing part (the status API, the operator breaker), `checks` say since when',
          schema: HealthResponse,
        },
        503: { description: 'This instance cannot serve: its database does not answer', schema: HealthResponse },
      },
    },
    async (ctx) => {
      const named: Record<string, HealthCheck> = {
        database: async () => ({ ok: await deps.checkDatabase() }),
        ...deps.checks,
      };
      const [results, freshness] = await Promise.all([
        Promise.all(Object.entries(named).map(async ([name, check]) => [name, await runCheck(check)] as const)),
        deps.freshness?.().then(
          (f) => dataFreshness(f.lastCompletedAt, f.autoCheckIntervalMin),
          () => undefined,
        ),
      ]);
      // A dependency's own parts are reported beside it (its own name wins a clash).
      const all = new Map<string, HealthCheckResult>();
      for (const [, r] of results) for (const [part, pr] of Object.entries(r.parts ?? {})) all.set(part, pr);
      for (const [name, r] of results) all.set(name, r);
      const at = new Date().toISOString();
      const checks: Record<string, { status: 'ok' | 'failing'; since?: string }> = {};
      for (const [name, r] of all) {
        if (r.ok) {
          failingSince.delete(name);
          checks[name] = { status: 'ok', ...r.detail };
          continue;
        }
        const since = r.since ?? failingSince.get(name) ?? at;
        failingSince.set(name, since);
        checks[name] = { status: 'failing', since, ...r.detail };
      }
      const failing = [...all].filter(([, r]) => !r.ok).map(([name]) => name);
      const databaseOk = all.get('database')!.ok;
      ctx.status = databaseOk ? 200 : 503;
      ctx.body = {
        status: !databaseOk ? 'unavailable' : failing.length === 0 ? 'ok' : 'degraded',
        database: checks.database!.status === 'ok' ? 'ok' : 'unreachable',
        version: deps.version,
        uptime_seconds: Math.floor((Date.now() - startedAt) / 1000),
        instance: INSTANCE_ID,
        checks,
        failing,
        ...freshness,
      };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/health/live',
      tag: 'Monitoring',
      summary: 'Liveness: the process answers (for a restart probe; checks nothing else)',
      access: 'public',
      responses: { 200: { description: 'Alive', schema: LiveResponse } },
    },
    (ctx) => {
      ctx.body = { status: 'ok' };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/health/ready',
      tag: 'Monitoring',
      summary: 'Readiness: this instance can serve, its database answers (for a load balancer or proxy)',
      access: 'public',
      responses: {
        200: { description: 'Ready', schema: ReadyResponse },
        503: { description: 'Not ready: the database does not answer', schema: ReadyResponse },
      },
    },
    async (ctx) => {
      const database = await runCheck(async () => ({ ok: await deps.checkDatabase() }));
      ctx.status = database.ok ? 200 : 503;
      ctx.body = { status: database.ok ? 'ok' : 'unavailable', database: database.ok ? 'ok' : 'unreachable' };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/openapi.json',
      tag: 'Monitoring',
      summary: 'This document',
      access: 'public',
      responses: { 200: { description: 'OpenAPI 3.1' } },
    },
    (ctx) => {
      ctx.body = deps.openapi();
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/docs',
      tag: 'Monitoring',
      summary: 'Interactive API documentation',
      access: 'public',
      responses: { 200: { description: 'An HTML page', contentType: 'text/html' } },
    },
    (ctx) => {
      ctx.type = 'html';
      ctx.body = DOCS_HTML;
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/docs/{asset}',
      tag: 'Monitoring',
      summary: 'Scripts and styles of the documentation page',
      access: 'public',
      params: DocsAssetParams,
      responses: { 200: { description: 'The file' } },
    },
    (ctx, { params }) => {
      ctx.type = params.asset.endsWith('.css') ? 'text/css' : 'application/javascript';
      ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.body = createReadStream(join(swaggerDir, params.asset));
    },
  );
}
