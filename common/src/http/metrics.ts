/**
 * Prometheus metrics (prom-client). Each app instance has its own registry (tests start several
 * apps in one process); the process-wide default metrics (CPU, memory, event loop, GC) are
 * collected once per process and appended to every instance's output.
 *
 *   const metrics = new ServiceMetrics('main-api');
 *   app.use(metrics.middleware());                  // request histogram by route template and status
 *   metrics.gauge('db_pool_connections', '…', ['state'], (set) => set({ state: 'used' }, 3));
 *   metricsRoute(api, metrics, authenticate(authenticator));
 */
import { isIP } from 'node:net';
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { requireAdmin } from '../auth/principal.js';
import { INSTANCE_ID } from '../instance.js';
import type { ApiRouter, AppState } from './api-router.js';
import { routeTemplate } from './request-id.js';

let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels<L extends string> = Partial<Record<L, string | number>>;

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(
    readonly service: string,
    private readonly options: { processMetrics?: boolean } = {},
  ) {
    this.registry.setDefaultLabels({ service });
    this.httpDuration = this.histogram('http_request_duration_seconds', 'HTTP requests by method, route template and status', [
      'method',
      'route',
      'status',
    ]);
    // Which instance of a cluster this is (an "info" series, value 1): joined on the scrape
    // target's `instance` label, it names the process behind each series without adding a label to all of them.
    new Gauge({
      name: 'service_instance_info',
      help: 'This instance: INSTANCE_ID (else hostname:pid) and pid',
      labelNames: ['instance_id', 'pid'],
      registers: [this.registry],
    }).set({ instance_id: INSTANCE_ID, pid: String(process.pid) }, 1);
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets = SECONDS_BUCKETS): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** A gauge read at scrape time: `collect` sets its values (from memory or the database). */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (set: (labels: Labels<L>, value: number) => void) => Promise<void> | void,
  ): Gauge<L> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect((labels, value) => this.set(labels, value));
      },
    });
  }

  /** Times every request; the route label is the router's template, so ids do not explode the series. */
  middleware(): Middleware {
    return async (ctx, next) => {
      const end = this.httpDuration.startTimer();
      try {
        await next();
      } finally {
        end({ method: ctx.method, route: routeTemplate(ctx as { _matchedRoute?: unknown }) ?? '(unmatched)', status: String(ctx.status) });
      }
    };
  }

  async render(): Promise<string> {
    const own = await this.registry.metrics();
    return this.options.processMetrics === false ? own : `${own}\n${await processMetrics().metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** A direct connection from this machine, not relayed by a proxy (which would add X-Forwarded-For). */
function isLocalScrape(ctx: { socket: { remoteAddress?: string | undefined }; get(name: string): string }): boolean {
  const address = ctx.socket.remoteAddress ?? '';
  const loopback = address === '::1' || (isIP(address.replace(/^::ffff:/, '')) === 4 && address.replace(/^::ffff:/, '').startsWith('127.'));
  return loopback && !ctx.get('x-forwarded-for') && !ctx.get('forwarded');
}

/**
 * `GET /metrics`: open to a scraper on this machine (loopback, not through a proxy); from
 * anywhere else it needs an admin's bearer token or an API key.
 */
export function metricsRoute(api: ApiRouter, metrics: ServiceMetrics, authenticate: Middleware<AppState>): void {
  api.endpoint(
    {
      method: 'get',
      path: '/metrics',
      tag: 'Monitoring',
      summary: 'Prometheus metrics',
      description:
        'Prometheus text format. Open to scrapers on the same machine (loopback, without X-Forwarded-For); from elsewhere an admin bearer token or an API key (`X-API-Key`) is required.',
      access: 'public',
      responses: {
        200: { description: 'Metrics', contentType: 'text/plain' },
        401: { description: 'Not on this machine and no admin credentials' },
        403: { description: 'Not an admin' },
      },
    },
    async (ctx) => {
      if (!isLocalScrape(ctx)) {
        await authenticate(ctx as never, async () => {});
        requireAdmin((ctx.state as AppState).principal!);
      }
      ctx.set('Content-Type', metrics.contentType);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = await metrics.render();
    },
  );
}

export interface PoolGaugeStats {
  used: number;
  free: number;
  pendingAcquires: number;
  pendingCreates: number;
}

/** `db_pool_connections{state}`: used, free, and requests waiting for a connection, read at scrape time. */
export function dbPoolGauge(metrics: ServiceMetrics, stats: () => PoolGaugeStats | null): void {
  metrics.gauge('db_pool_connections', 'Database connections by state (pending_*: waiting for one)', ['state'], (set) => {
    const s = stats();
    if (!s) return;
    set({ state: 'used' }, s.used);
    set({ state: 'free' }, s.free);
    set({ state: 'pending_acquires' }, s.pendingAcquires);
    set({ state: 'pending_creates' }, s.pendingCreates);
  });
}
