/**
 * Idle main API memory (issue 14 goal 7): starts the main API on a migrated database, signs in,
 * makes a few ordinary requests, waits, and prints the process's resident set size. Each
 * variant runs `rounds` times, interleaved; the median is printed.
 *
 *   node --import tsx scripts/src/idle-rss.ts [--rounds 5] [--variant dist|tsx]...
 *
 * `dist` runs the compiled service (`npm run build` first); `tsx` runs the TypeScript through tsx.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../lib/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, variant: { type: 'string', multiple: true, default: ['dist', 'tsx'] } },
});
const VARIANTS: Record<string, string[]> = {
  dist: ['--conditions=simcard-dist', 'services/main-api/dist/server.js'],
  // What `npm run start:prod` and deploy/systemd run: smaller young-generation semi-spaces (see README).
  prod: ['--conditions=simcard-dist', '--max-semi-space-size=2', 'services/main-api/dist/server.js'],
  tsx: ['--import', 'tsx', 'services/main-api/src/server.ts'],
};
const PASSWORD = 'idle-rss-password';

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D+/g, '')) / 1024;
}

async function once(variant: string, dir: string): Promise<number> {
  const port = await freePort();
  const child = spawn(process.execPath, VARIANTS[variant]!, {
    cwd: ROOT,
    stdio: 'ignore',
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: `sqlite:${join(dir, 'idle.sqlite')}`,
      MAIN_API_PORT: String(port),
      ADMIN_PASSWORD: PASSWORD,
      JWT_SECRET: 'idle-rss-secret-idle-rss-secret-idle-rss-secret',
      LOG_LEVEL: 'warn',
    },
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error(`${variant}: not up after 60 s`);
      const ok =
        (await fetch(`${base}/health/live`).then(
          (r) => r.status < 500,
          () => false,
        )) ||
        (await fetch(`${base}/health`).then(
          () => true,
          () => false,
        ));
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const login = (await (
      await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: PASSWORD }),
      })
    ).json()) as { token: string };
    const auth = { authorization: `Bearer ${login.token}` };
    for (const path of ['/auth/me', '/simcards?limit=50', '/shops', '/statistics/summary', '/health', '/simcards?limit=50&q=8999']) {
      await fetch(base + path, { headers: auth }).then((r) => r.arrayBuffer());
    }
    await new Promise((r) => setTimeout(r, 3000));
    return rssMb(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'idle-rss-'));
const rounds = Number(values.rounds);
const results: Record<string, number[]> = {};
console.log(
  `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
try {
  for (let r = 0; r < rounds; r++) {
    for (const v of values.variant) (results[v] ??= []).push(await once(v, dir));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
for (const [v, list] of Object.entries(results)) {
  const sorted = [...list].sort((a, b) => a - b);
  console.log(
    `${v}: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} MB RSS (min ${sorted[0]!.toFixed(1)}, max ${sorted.at(-1)!.toFixed(1)}; rounds ${list.map((x) => x.toFixed(0)).join(', ')})`,
  );
}
console.log(
  `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
