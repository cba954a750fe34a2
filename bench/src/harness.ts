/** Shared benchmark plumbing: servers in child processes, autocannon rounds, medians, RESULTS.md. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '@simcard/db';
import autocannon from 'autocannon';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts `bench/src/servers/<name>.ts` in its own process and waits for its READY line; `root`:
 * of another copy of the project (a "before" build measured beside this tree).
 */
export function startServer(name: string, env: Record<string, string>, root?: string): Promise<Server> {
  const script = root ? join(root, `bench/src/servers/${name}.ts`) : fileURLToPath(new URL(`./servers/${name}.ts`, import.meta.url));
  const child = spawn(TSX, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(root ? { cwd: root } : {}),
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
/**
 * An admin (id 1) who never signs in: benches mint its token with the secret, which keeps
 * scrypt's 128 MB out of the measured server's RSS.
 */
export async function addBenchAdmin(db: Db): Promise<void> {
  const at = new Date().toISOString();
  await db('users').insert({
    id: 1,
    username: 'admin',
    password_hash: 'unusable',
    role: 'admin',
    is_active: true,
    created_at: at,
    updated_at: at,
  });
}

export const BENCH_ADMIN_PASSWORD = 'bench-admin-password';
export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret!!';

/**
 * A benchmark server's environment: its database, production mode (silent logger, full scrypt)
 * and the shared secrets; `extra` adds or overrides (ports, rate limits, URLs).
 */
export function benchEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    JWT_SECRET: BENCH_JWT_SECRET,
    ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    NODE_ENV: 'production',
    ...extra,
  };
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

/**
 * The server's own pid: `startServer` runs the `tsx` wrapper, which runs the server as its only
 * child, and the wrapper's memory is not the server's.
 */
export function serverPid(wrapperPid: number): number {
  const children = readFileSync(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`expected the tsx wrapper to have one child, found ${children.length}`);
  return Number(children[0]);
}

/** Peak resident set size of a process so far, in MB (Linux). */
export function peakRssMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}
