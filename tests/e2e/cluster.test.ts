/**
 * The production layout under failure (issue 18): `npm run cluster`'s nginx → 2 compiled main
 * API instances + status API on one PostgreSQL schema, with steady list/write traffic through the
 * proxy while
 *   1. one instance is killed with SIGKILL: every acknowledged (201) write is there afterwards,
 *      and the only failures are requests that were in flight when it died (idempotent ones are
 *      retried by nginx on the other instance, so only writes can fail);
 *   2. both instances are restarted one at a time (SIGTERM drains): no request fails.
 * Needs `npm run build`, nginx and PostgreSQL; figures in bench/RESULTS.md.
 */
process.env['TEST_DB'] = 'postgres';
import { createTestDatabase, type TestDatabase } from '@simcard/db/testing';
import { buildIsMissing, type Cluster, startCluster } from '../../scripts/src/cluster.js';

const ADMIN_PASSWORD = 'cluster-admin-password';
const CONCURRENCY = 6;
/** How long after a kill nginx may still hand a request to a kept-alive connection of the dead instance. */
const NOTICE_MS = 1000;

interface Outcome {
  method: 'GET' | 'POST';
  status: number | 'network';
  startedAt: number;
  endedAt: number;
  code?: string;
  id?: number;
}

/** Shop codes are unique: numbered across every burst of traffic. */
let written = 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Loops of "list a page, create a shop" until stopped; every outcome recorded. */
function traffic(base: string, token: string) {
  const outcomes: Outcome[] = [];
  let running = true;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const one = async (method: 'GET' | 'POST'): Promise<void> => {
    const startedAt = performance.now();
    const code = method === 'POST' ? `CL${process.pid}X${++written}` : undefined;
    try {
      const res =
        method === 'GET'
          ? await fetch(`${base}/api/simcards?limit=20`, { headers })
          : await fetch(`${base}/api/shops`, { method: 'POST', headers, body: JSON.stringify({ name: `Cluster shop ${code}`, code }) });
      const body = (await res.json().catch(() => undefined)) as { id?: number } | undefined;
      outcomes.push({
        method,
        status: res.status,
        startedAt,
        endedAt: performance.now(),
        ...(code ? { code } : {}),
        ...(body?.id ? { id: body.id } : {}),
      });
    } catch {
      outcomes.push({ method, status: 'network', startedAt, endedAt: performance.now(), ...(code ? { code } : {}) });
    }
  };
  const loops = Array.from({ length: CONCURRENCY }, async (_, i) => {
    while (running) await one(i % 2 ? 'POST' : 'GET');
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const failed = (o: Outcome) => o.status === 'network' || o.status >= 300;

const describeIf = buildIsMissing().length === 0 ? describe : describe.skip;

describeIf('the cluster (nginx, 2 main API instances, one PostgreSQL)', () => {
  let database: TestDatabase;
  let cluster: Cluster;
  let token: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    cluster = await startCluster({
      databaseUrl: database.url,
      quiet: true,
      env: { ADMIN_PASSWORD, JWT_SECRET: 'cluster-test-secret-cluster-test-secret-0123', RATE_LIMIT_USER: '0', RATE_LIMIT_ANON: '0' },
    });
    const login = await fetch(`${cluster.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { token: string }).token;
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await database?.drop();
  }, 60_000);

  test('the web app and the API answer on one origin through nginx', async () => {
    const page = await fetch(`${cluster.url}/simcards`, { headers: { accept: 'text/html' } });
    expect(`${page.status} ${await page.text()}`).toMatch(/^200 [^]*<div id="root">/);
    const health = await fetch(`${cluster.url}/health/ready`);
    expect(health.status).toBe(200);
    // Each instance names itself.
    const names = await Promise.all(
      cluster.instances.map(async (i) => ((await (await fetch(`${i.url}/health`)).json()) as { instance?: string }).instance),
    );
    expect(names).toEqual(cluster.instances.map((i) => i.name));
    expect(names).toEqual(['main-api-1', 'main-api-2']);
  });

  test('kill -9 of one instance under traffic: no acknowledged write lost, failures only in flight on it', async () => {
    const load = traffic(cluster.url, token);
    await sleep(3000);
    const killedAt = performance.now();
    cluster.instances[0]!.kill();
    await sleep(3000);
    await cluster.instances[0]!.start();
    await sleep(2000);
    await load.stop();

    const { outcomes } = load;
    const failures = outcomes.filter(failed);
    const inFlight = outcomes.filter((o) => o.startedAt <= killedAt && o.endedAt >= killedAt);
    console.log(
      `cluster kill -9: ${outcomes.length} requests (${outcomes.filter((o) => o.method === 'POST').length} writes), ` +
        `${failures.length} failed (${failures.map((f) => `${f.method} ${f.status}`).join(', ') || 'none'}), ${inFlight.length} in flight at the kill`,
    );
    expect(outcomes.length).toBeGreaterThan(50);
    // Every failure was in flight when the instance died, and was a write (reads are retried).
    // "In flight on it" includes a write nginx sent on a kept-alive connection to the dead process
    // in the moment before its event loop saw that connection reset (under a second here).
    for (const f of failures) {
      expect(f.startedAt).toBeLessThanOrEqual(killedAt + NOTICE_MS);
      expect(f.endedAt).toBeGreaterThanOrEqual(killedAt);
      expect(f.method).toBe('POST');
    }
    expect(failures.length).toBeLessThanOrEqual(CONCURRENCY);

    // Every acknowledged write is there.
    const acknowledged = outcomes.filter((o) => o.method === 'POST' && o.status === 201);
    expect(acknowledged.length).toBeGreaterThan(10);
    for (const write of acknowledged) {
      const res = await fetch(`${cluster.url}/api/shops/${write.id}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { code: string }).code).toBe(write.code);
    }
  }, 60_000);

  test('a rolling restart (one instance at a time, SIGTERM) under traffic fails no request', async () => {
    const load = traffic(cluster.url, token);
    await sleep(1000);
    for (const instance of cluster.instances) {
      await instance.stop();
      await instance.start();
      // The next stop only once nginx has this one back in rotation: a fixed 2.5 s after "ready"
      // once left nginx no instance in CI (fail_timeout counts whole seconds; Cluster.inRotation).
      await cluster.inRotation(instance);
    }
    await load.stop();
    const failures = load.outcomes.filter(failed);
    console.log(
      `cluster rolling restart: ${load.outcomes.length} requests, ${failures.length} failed (${failures.map((f) => `${f.method} ${f.status}`).join(', ') || 'none'})`,
    );
    expect(load.outcomes.length).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  }, 90_000);
});
