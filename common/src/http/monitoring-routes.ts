import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { dataFreshness } from '../freshness.js';
import type { ApiRouter } from './api-router.js';
import { DocsAssetParams, HealthResponse, RootResponse } from './monitoring.schema.js';

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
  /** Whether the database answers; /health is 503 when it does not. */
  checkDatabase: () => Promise<boolean>;
  name: string;
  version: string;
  openapi: () => object;
  links?: Record<string, string>;
  /** More parts /health checks by name (status_api, provider); any failing one makes it 503. */
  checks?: Record<string, HealthCheck>;
  /** The last completed check run and the auto-check interval: the data_stale report. */
  freshness?: () => Promise<{ lastCompletedAt: Date | null; autoCheckIntervalMin: number }>;
}

export interface HealthCheckResult {
  ok: boolean;
  /** What was found, reported beside the status (e.g. `breaker: 'open'`, `error: 'ECONNREFUSED'`). */
  detail?: Record<string, unknown>;
}

export type HealthCheck = () => Promise<HealthCheckResult>;

/** A dependency that does not answer within this is failing: /health itself must answer quickly. */
const HEALTH_CHECK_TIMEOUT_MS = 3000;

async function runCheck(check: HealthCheck): Promise<HealthCheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthCheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: { error: `no answer within ${HEALTH_CHECK_TIMEOUT_MS} ms` } }), HEALTH_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch((err: unknown) => ({ ok: false, detail: { error: err instanceof Error ? err.message : String(err) } })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `/`, `/health`, `/openapi.json` and `/docs`: every service has them. */
export function monitoringRoutes(api: ApiRouter, deps: MonitoringDeps): void {
  const startedAt = Date.now();
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
      summary: 'Whether the API and its database are up',
      access: 'public',
      responses: {
        200: { description: 'Healthy', schema: HealthResponse },
        503: { description: 'A part is failing (the database, the status API, the operator): `failing` names it', schema: HealthResponse },
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
      const checks = Object.fromEntries(results.map(([name, r]) => [name, { status: r.ok ? ('ok' as const) : ('failing' as const), ...r.detail }]));
      const failing = results.filter(([, r]) => !r.ok).map(([name]) => name);
      ctx.status = failing.length === 0 ? 200 : 503;
      ctx.body = {
        status: failing.length === 0 ? 'ok' : 'unavailable',
        database: checks.database!.status === 'ok' ? 'ok' : 'unreachable',
        version: deps.version,
        uptime_seconds: Math.floor((Date.now() - startedAt) / 1000),
        checks,
        failing,
        ...freshness,
      };
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
