/**
 * The compiled main API (`npm run build`) as production runs it: node without tsx, the
 * "simcard-dist" condition, and the built web app served on the same origin as the API under
 * /api (issue 18). Skipped when there is no build (CI builds first: .ci/run).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROD_NODE_FLAGS } from '../../scripts/lib/parts.js';
import { freePort } from '../../scripts/lib/ports.js';
import { buildIsMissing } from '../../scripts/src/cluster.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const describeIf = buildIsMissing().length === 0 ? describe : describe.skip;

describeIf('the compiled main API serving the built web app', () => {
  let child: ChildProcess;
  let dir: string;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prod-start-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [...PROD_NODE_FLAGS.split(' '), 'services/main-api/dist/server.js'], {
      cwd: ROOT,
      stdio: 'ignore',
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: `sqlite:${join(dir, 'prod.sqlite')}`,
        MAIN_API_PORT: String(port),
        ADMIN_PASSWORD: 'prod-start-password',
        JWT_SECRET: 'prod-start-secret-prod-start-secret-0123456',
        WEB_DIST_DIR: join(ROOT, 'web/dist'),
      },
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (
        await fetch(`${base}/health/live`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('the compiled main API did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 90_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('pages, hashed assets (brotli, immutable) and the API under /api from one origin', async () => {
    const page = await fetch(`${base}/simcards`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(base + script!, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'prod-start-password' }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const list = await fetch(`${base}/api/simcards?limit=5`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    const health = (await (await fetch(`${base}/health`)).json()) as { instance?: string };
    expect(health.instance).toMatch(/:\d+$/); // hostname:pid
  });
});
