/**
 * The whole product for an end-to-end test, started the way an operator starts it: the start
 * script (`npm start`) as a child process, on a temporary SQLite file and free ports.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../scripts/lib/ports.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface Ports {
  main: number;
  status: number;
  provider: number;
  web: number;
}

export interface StartScript {
  /** The start script's process id; it leads its own process group. */
  pid: number;
  ports: Ports;
  /** The temporary directory holding the database. */
  dir: string;
  adminPassword: string;
  providerToken: string;
  /** Resolves when the start script has exited. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then whatever is left of its process group is killed; the directory is removed. */
  stop(): Promise<void>;
}

export interface Stack extends StartScript {
  web: string;
  mainApi: string;
  provider: string;
}

export interface StartOptions {
  /** `--prod`: the optimized build served by vite preview (no dev-server reloads mid-test). */
  prod?: boolean;
  /** More environment, or overrides (e.g. PROVIDER_URL, or a port). */
  env?: Record<string, string>;
}

/** Runs the start script on fresh ports and a fresh database, without waiting for anything. */
export async function runStartScript({ prod = false, env: extra = {} }: StartOptions = {}): Promise<StartScript> {
  const dir = mkdtempSync(join(tmpdir(), 'simcard-e2e-'));
  const ports: Ports = { main: await freePort(), status: await freePort(), provider: await freePort(), web: await freePort() };
  const adminPassword = `e2e-${randomBytes(9).toString('base64url')}`;
  const providerToken = randomBytes(16).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: `sqlite:${join(dir, 'e2e.sqlite')}`,
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: adminPassword,
    PROVIDER_TOKEN: providerToken,
    MAIN_API_PORT: String(ports.main),
    STATUS_API_PORT: String(ports.status),
    PROVIDER_SIM_PORT: String(ports.provider),
    WEB_PORT: String(ports.web),
    FORCE_COLOR: '0',
  };
  for (const name of ['PROVIDER_URL', 'JWT_SECRET', 'STATUS_API_URL', 'TEST_DB']) delete env[name];
  Object.assign(env, extra);

  // As `npm start` runs it (node --import tsx: no tsx launcher, which SIGKILLs a child slow to confirm
  // a signal). detached: its own process group, so that nothing it started can outlive the test (see stop()).
  const args = ['--import', 'tsx', join(ROOT, 'scripts/start-servers.ts'), ...(prod ? ['--prod'] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid!;

  return {
    pid,
    ports,
    dir,
    adminPassword,
    providerToken,
    exit,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => killGroup(pid), 15_000);
        await exit;
        clearTimeout(timer);
      }
      killGroup(pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the start script and waits for its "ready" line: every part answered its health check. */
export async function startStack(options: StartOptions & { readyWithinMs?: number } = { prod: true }): Promise<Stack> {
  const script = await runStartScript(options);
  const readyWithinMs = options.readyWithinMs ?? 240_000;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the stack was not ready within ${readyWithinMs / 1000} s`)), readyWithinMs);
      const poll = setInterval(() => {
        if (!/is ready in/.test(script.output())) return;
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }, 100);
      void script.exit.then(({ code }) => {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`the start script exited (${code}) before the stack was ready`));
      });
    });
  } catch (err) {
    await script.stop();
    throw new Error(`${(err as Error).message}. Its output:\n${script.output()}`, { cause: err });
  }
  return {
    ...script,
    // --prod: the main API serves the built web app itself (issue 18), on its own port.
    web: `http://127.0.0.1:${options.prod ? script.ports.main : script.ports.web}`,
    mainApi: `http://127.0.0.1:${script.ports.main}`,
    provider: `http://127.0.0.1:${script.ports.provider}`,
  };
}

/** Last resort: the start script's process group (only what this test started). */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
