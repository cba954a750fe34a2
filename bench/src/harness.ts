/** Shared benchmark plumbing: servers in child processes, autocannon rounds, medians, RESULTS.md. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `bench/src/servers/<name>.ts` in its own process and waits for its READY line. */
export function startServer(name: string, env: Record<string, string>): Promise<Server> {
  const child = spawn(TSX, [fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        resolve({
          url: m[1]!,
          child,
          stop: () =>
            new Promise((r) => {
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
  });
}

export interface Round {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export async function load(url: string, headers: Record<string, string>, seconds: number, connections = 10): Promise<Round> {
  const r = await autocannon({ url, headers, duration: seconds, connections });
  return {
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

/** The secrets every benchmark server shares: the first admin's password and the token key. */
export const BENCH_ADMIN_PASSWORD = 'bench-admin-password';
export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret!!';

/**
 * A benchmark server's environment: its database, production mode (silent logger, full scrypt)
 * and the shared secrets; `extra` adds or overrides (ports, rate limits, URLs).
 */
export function benchEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: databaseUrl, JWT_SECRET: BENCH_JWT_SECRET, ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD, NODE_ENV: 'production', ...extra };
}

/** Signs in and answers the bearer token; a refused sign-in stops the benchmark with the answer. */
export async function signIn(url: string, password: string, username = 'admin'): Promise<string> {
  const res = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { token?: string };
  if (!res.ok || !body.token) throw new Error(`sign-in as ${username} failed: ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
}

/** Replaces the section between `<!-- name:start -->` and `<!-- name:end -->` in RESULTS.md. */
export function writeSection(name: string, markdown: string): void {
  const file = `${BENCH_DIR}/RESULTS.md`;
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  let text = readFileSync(file, 'utf8');
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  text = re.test(text) ? text.replace(re, block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}
