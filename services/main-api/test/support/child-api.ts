/**
 * The main API as a real child process, for the tests that kill it or stop it midway (crash,
 * shutdown): started as `npm run main-api` would start it, on the test's database, with its
 * uploads spooled under the test's own TMPDIR.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ADMIN_PASSWORD, JWT_SECRET } from './harness.js';

const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url));

export interface ChildApi {
  child: ChildProcess;
  url: string;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
}

/** Starts the main API on `databaseUrl`; answers once it listens (rejects if it exits first). */
export async function startChildApi(databaseUrl: string, tmpDir: string, env: Record<string, string> = {}): Promise<ChildApi> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      MAIN_API_PORT: '0',
      ADMIN_PASSWORD,
      JWT_SECRET,
      TMPDIR: tmpDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`main API exited ${code}: ${out}`)));
  });
  return { child, url, output: () => out };
}

/** The seeded admin's token on that API. */
export async function signInAdmin(url: string): Promise<string> {
  const res = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  return ((await res.json()) as { token: string }).token;
}
