import { checkRunsRepository } from '@simcard/db';
import { TestApi } from './support/harness.js';
import { freePort, startTestStatusApi, type TestStatusApi } from './support/status-api.js';

describe('GET /health with the status API', () => {
  let statusApi: TestStatusApi;
  let api: TestApi;
  beforeAll(async () => {
    statusApi = await startTestStatusApi();
    api = await TestApi.start({ STATUS_API_URL: statusApi.url });
  });
  afterAll(async () => {
    await api.close();
    await statusApi.close();
  });

  test('is 200 with every part ok while the database and the status API answer', async () => {
    const res = await api.get('/health', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      database: 'ok',
      failing: [],
      checks: { database: { status: 'ok' }, status_api: { status: 'ok', health: 'ok' } },
    });
  });

  test('turns degraded naming status_api and since when once the status API is stopped; still 200 and ready', async () => {
    await statusApi.close();
    const res = await api.get('/health', { token: null });
    // This instance still serves everything but checks: 503 would take it out of a load balancer.
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'degraded', database: 'ok', failing: ['status_api'] });
    expect(res.body.checks.status_api).toEqual({
      status: 'failing',
      since: expect.any(String),
      error: expect.stringMatching(/not reachable/),
    });
    // Since when: the first answer that saw it failing, kept while it fails.
    const since = res.body.checks.status_api.since;
    await new Promise((r) => setTimeout(r, 20));
    expect((await api.get('/health', { token: null })).body.checks.status_api.since).toBe(since);
    expect((await api.get('/health/ready', { token: null })).status).toBe(200);
    statusApi = await startTestStatusApi(); // for afterAll
  });
});

test('GET /health is 200 degraded naming status_api when STATUS_API_URL points at a closed port', async () => {
  const api = await TestApi.start({ STATUS_API_URL: `http://127.0.0.1:${await freePort()}` });
  try {
    const res = await api.get('/health', { token: null });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('degraded');
    expect(res.body.failing).toEqual(['status_api']);
    expect(res.body.checks.database.status).toBe('ok');
  } finally {
    await api.close();
  }
});

test('503 only when this instance cannot serve: its database gone → /health and /health/ready 503, /health/live 200', async () => {
  const api = await TestApi.start({ STATUS_API_URL: `http://127.0.0.1:${await freePort()}` });
  try {
    expect((await api.get('/health/live', { token: null })).body).toEqual({ status: 'ok' });
    await api.db.destroy(); // the pool is gone: every query fails, as with the database down
    const health = await api.get('/health', { token: null });
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable', database: 'unreachable' });
    expect(health.body.failing).toEqual(expect.arrayContaining(['database', 'status_api']));
    expect(health.body.checks.database).toMatchObject({ status: 'failing', since: expect.any(String) });
    const ready = await api.get('/health/ready', { token: null });
    expect(ready).toMatchObject({ status: 503, body: { status: 'unavailable', database: 'unreachable' } });
    expect((await api.get('/health/live', { token: null })).status).toBe(200);
  } finally {
    await api.close().catch(() => {});
  }
});

describe('data_stale', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start({ STATUS_API_URL: `http://127.0.0.1:${await freePort()}`, AUTO_CHECK_INTERVAL_MIN: '10' });
  });
  afterAll(() => api.close());

  async function completedRunFinishedMinutesAgo(minutes: number): Promise<void> {
    const run = (await checkRunsRepository.insertRunning(api.db, {
      trigger: 'scheduled',
      include_sold: false,
      total: 0,
      created_by: null,
    }))!;
    await checkRunsRepository.finish(api.db, run.id, 'completed');
    await api
      .db('check_runs')
      .where({ id: run.id })
      .update({ finished_at: new Date(Date.now() - minutes * 60_000).toISOString() });
  }

  test('is true with the auto-check on and no completed run yet, and not a 503 by itself', async () => {
    const res = await api.get('/health', { token: null });
    expect(res.body).toMatchObject({ data_stale: true, last_check_run_at: null, last_check_run_age_seconds: null });
    // Only the unreachable status API is failing; stale data is reported, not a failure.
    expect(res.body.failing).toEqual(['status_api']);
  });

  test('flips to false after a recent completed run, and back to true when it is older than twice the interval', async () => {
    await completedRunFinishedMinutesAgo(5);
    const fresh = await api.get('/health', { token: null });
    expect(fresh.body.data_stale).toBe(false);
    expect(fresh.body.last_check_run_age_seconds).toBeGreaterThanOrEqual(299);
    expect(fresh.body.last_check_run_age_seconds).toBeLessThan(400);

    await api.db('check_runs').update({ finished_at: new Date(Date.now() - 21 * 60_000).toISOString() });
    const stale = await api.get('/health', { token: null });
    expect(stale.body.data_stale).toBe(true);
    expect(stale.body.last_check_run_age_seconds).toBeGreaterThanOrEqual(21 * 60);
  });

  test('a failed or cancelled run does not make the data fresh', async () => {
    const run = (await checkRunsRepository.insertRunning(api.db, { trigger: 'manual', include_sold: false, total: 0, created_by: null }))!;
    await checkRunsRepository.finish(api.db, run.id, 'failed', 'operator down');
    expect((await api.get('/health', { token: null })).body.data_stale).toBe(true);
  });
});

test('data_stale is null (not applicable) while the auto-check is off (interval 0)', async () => {
  const api = await TestApi.start({ STATUS_API_URL: `http://127.0.0.1:${await freePort()}`, AUTO_CHECK_INTERVAL_MIN: '0' });
  try {
    expect((await api.get('/health', { token: null })).body.data_stale).toBeNull();
  } finally {
    await api.close();
  }
});
