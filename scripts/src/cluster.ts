/**
 * `npm run cluster`: the production layout (deploy/) on this machine, for trying it and for
 * tests/e2e/cluster.test.ts (issue 18):
 *   Debian's nginx on one port → 2 main API instances (compiled, `npm run build`) + the built
 *   web app; the status API — one worker, or several (`workers`, CLUSTER_WORKERS for the CLI)
 *   sharing check runs, each on a port of its own and all in the main API's STATUS_API_URL — and
 *   the simulated operator when PROVIDER_URL is unset; all on one PostgreSQL schema (DATABASE_URL
 *   must be postgres://…). Migrations run once first, as the systemd migration unit does.
 * Prints the URLs; Ctrl-C (or SIGTERM) stops everything. As a module: `startCluster()`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort, stablePort } from '../lib/ports.js';
import { buildIsMissing, buildIsStale } from './build-packages.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE_FLAGS = ['--conditions=simcard-dist', '--max-semi-space-size=2'];
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

export interface ClusterOptions {
  /** postgres://… (with `?schema=` for a schema of its own). */
  databaseUrl: string;
  instances?: number;
  /** Status API workers (issue 18; default 1). With more than one they are named status-api-1, -2, … */
  workers?: number;
  /** Extra environment for every service (e.g. ADMIN_PASSWORD, rate limits). */
  env?: Record<string, string>;
  /** Service output: inherited (the CLI) or dropped (tests). */
  quiet?: boolean;
}

export interface Instance {
  /** Its INSTANCE_ID: what its /health answers as `instance` (main-api-1, status-api-2, …). */
  readonly name: string;
  readonly port: number;
  readonly url: string;
  process: ChildProcess;
  /** Starts it again (after a kill or a stop) and resolves once it answers /health/ready. */
  start(): Promise<void>;
  /** SIGTERM (drains) and resolves once it has exited. */
  stop(): Promise<void>;
  /** SIGKILL, no drain. */
  kill(): void;
}

export interface Cluster {
  /** nginx: the web app, and the API under /api. */
  url: string;
  instances: Instance[];
  /** The first status API worker. */
  statusApiUrl: string;
  /** Every status API worker (`kill()` is kill -9 of one; `start()` brings it back on its port, under its name). */
  workers: Instance[];
  /**
   * Resolves once nginx hands a request to this main API instance (its /health through the proxy
   * names it): after `start()`, the moment it is back in rotation. nginx leaves an instance that
   * refused a connection out for `fail_timeout`, counted in whole seconds (`2s` is 2 to 3 s), so
   * "ready" is not enough: a rolling restart that stops the next instance before this resolves can
   * leave nginx none (502 "no live upstreams"; README, Upgrade: the same by hand).
   */
  inRotation(instance: Instance, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export { buildIsMissing };

async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${url}: exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    const ok = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url}: not ready after ${timeoutMs / 1000} s`);
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  if (!/^postgres(ql)?:\/\//.test(options.databaseUrl))
    throw new Error('npm run cluster needs DATABASE_URL=postgres://… (one PostgreSQL for every instance)');
  if (!NGINX) throw new Error('nginx is not installed (apt-get install nginx)');
  const missing = buildIsMissing();
  if (missing.length) throw new Error(`run \`npm run build\` first (missing: ${missing.join(', ')})`);

  const dir = mkdtempSync(join(tmpdir(), 'simcard-cluster-'));
  // nginx's workers (another user when started as root) write their temporary files under it.
  chmodSync(dir, 0o755);
  const children: ChildProcess[] = [];
  const stdio = options.quiet ? 'ignore' : 'inherit';
  const [proxyPort, providerPort] = [await freePort(), await freePort()];
  const count = options.instances ?? 2;
  // Instances and workers are restarted in place: ports nobody else is given while one is down.
  const apiPorts: number[] = [];
  for (let i = 0; i < count; i++) apiPorts.push(await stablePort());
  const workerPorts: number[] = [];
  for (let i = 0; i < (options.workers ?? 1); i++) workerPorts.push(await stablePort());
  const statusPort = workerPorts[0]!;
  const simulated = !process.env['PROVIDER_URL'] && !options.env?.['PROVIDER_URL'];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: options.databaseUrl,
    STATUS_API_PORT: String(statusPort),
    STATUS_API_URL: workerPorts.map((p) => `http://127.0.0.1:${p}`).join(','),
    PROVIDER_SIM_PORT: String(providerPort),
    ...(simulated ? { PROVIDER_URL: `http://127.0.0.1:${providerPort}` } : {}),
    TRUST_PROXY: 'loopback',
    LOG_FORMAT: 'json',
    ...options.env,
  };
  const run = (entry: string, extra: Record<string, string>) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, entry], { cwd: ROOT, env: { ...env, ...extra }, stdio });
    children.push(child);
    return child;
  };
  const stopAll = async () => {
    if (existsSync(join(dir, 'nginx.pid')))
      spawnSync(NGINX, ['-p', dir, '-e', join(dir, 'logs/error.log'), '-c', join(dir, 'nginx.conf'), '-s', 'quit'], { stdio: 'ignore' });
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((c) => Promise.race([exited(c), new Promise((r) => setTimeout(r, 10_000))])));
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const migrate = spawnSync(process.execPath, [...NODE_FLAGS, 'db/dist/cli/migrate.js'], { cwd: ROOT, env, encoding: 'utf8' });
    if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr || migrate.stdout}`);

    if (simulated) {
      const provider = run('services/provider-sim/dist/server.js', { INSTANCE_ID: 'provider-sim' });
      await waitHealth(`http://127.0.0.1:${providerPort}`, provider);
    }
    /** A service on its own port, started (again) by `start()`. */
    const service = (port: number, entry: string, extra: Record<string, string> & { INSTANCE_ID: string }): Instance => {
      const url = `http://127.0.0.1:${port}`;
      const instance: Instance = {
        name: extra.INSTANCE_ID,
        port,
        url,
        process: undefined as unknown as ChildProcess,
        async start() {
          instance.process = run(entry, extra);
          await waitReady(url, instance.process);
        },
        async stop() {
          instance.process.kill('SIGTERM');
          await exited(instance.process);
        },
        kill() {
          instance.process.kill('SIGKILL');
        },
      };
      return instance;
    };
    const instances = apiPorts.map((port, i) =>
      service(port, 'services/main-api/dist/server.js', {
        MAIN_API_PORT: String(port),
        INSTANCE_ID: `main-api-${i + 1}`,
        WEB_DIST_DIR: join(ROOT, 'web/dist'),
      }),
    );
    // One at a time: the first start creates the first admin; two at once would race for it.
    for (const instance of instances) await instance.start();
    const workers = workerPorts.map((port, i) =>
      service(port, 'services/status-api/dist/server.js', {
        STATUS_API_PORT: String(port),
        INSTANCE_ID: workerPorts.length === 1 ? 'status-api' : `status-api-${i + 1}`,
      }),
    );
    for (const worker of workers) await worker.start();

    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, proxyPort, apiPorts));
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const test = spawnSync(NGINX, ['-p', dir, '-e', join(dir, 'logs/error.log'), '-c', join(dir, 'nginx.conf'), '-t'], {
      encoding: 'utf8',
    });
    if (test.status !== 0) throw new Error(`nginx -t: ${test.stderr}`);
    const nginx = spawn(NGINX, ['-p', dir, '-e', join(dir, 'logs/error.log'), '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio,
    });
    children.push(nginx);
    await waitHealth(`http://127.0.0.1:${proxyPort}`, nginx);
    const url = `http://127.0.0.1:${proxyPort}`;
    return {
      url,
      instances,
      statusApiUrl: workers[0]!.url,
      workers,
      inRotation: (i, ms) => untilProxyReaches(url, i.name, ms),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function waitHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: exited (${child.exitCode})`);
    if (
      await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status < 500,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${url}: no answer after 60 s`);
}

/** Polls the proxy's /health until the instance named `name` answers it. */
async function untilProxyReaches(proxyUrl: string, name: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${proxyUrl}/health`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as { instance?: string } | undefined;
    if (body?.instance === name) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx sent no request to ${name} within ${timeoutMs / 1000} s`);
}

/** deploy/nginx.conf with this cluster's ports and paths, runnable without root (`nginx -p DIR`). */
export function nginxConfig(dir: string, port: number, apiPorts: number[]): string {
  const template = readFileSync(join(ROOT, 'deploy/nginx.conf'), 'utf8');
  const servers = apiPorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n');
  const site = template
    .replace(/(upstream simcard_main_api \{\n)(?:.*\n)*?( {4}keepalive)/, `$1${servers}\n$2`)
    .replace('listen 80;', `listen 127.0.0.1:${port};`)
    .replace('root /opt/simcard/web/dist;', `root ${join(ROOT, 'web/dist')};`);
  return [
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'logs/error.log')} warn;`,
    'worker_processes 1;',
    'events { worker_connections 1024; }',
    'http {',
    '  include /etc/nginx/mime.types;',
    `  access_log off;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, t)};`),
    site,
    '}',
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { loadEnvFile } = await import('@simcard/common');
  loadEnvFile();
  if (buildIsStale().length) {
    console.log('Building first (npm run build: missing or older than the sources)…');
    const built = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/src/build.ts')], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) process.exit(built.status ?? 1);
  }
  let cluster: Cluster;
  try {
    cluster = await startCluster({
      databaseUrl: process.env['DATABASE_URL'] ?? '',
      workers: Number(process.env['CLUSTER_WORKERS'] ?? 1) || 1,
    });
  } catch (err) {
    console.error(`cluster: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  console.log(
    [
      'The cluster is up:',
      `  web app and API (nginx)  ${cluster.url}   (API under /api)`,
      ...cluster.instances.map((i, n) => `  main API ${n + 1}               ${i.url}`),
      ...cluster.workers.map((w, n) => `  status API ${cluster.workers.length > 1 ? `${n + 1}` : ' '}             ${w.url}`),
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`${signal}: stopping the cluster…`);
      void cluster.stop().then(() => process.exit(0));
    });
  }
}
