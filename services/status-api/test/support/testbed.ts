/**
 * The status API for a test, with what it works with, all real: a database (SQLite file or
 * PostgreSQL schema, per TEST_DB), the provider simulator over HTTP, the main API (users,
 * tokens, SIMs) and the status API, each on an ephemeral port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { appendCheckDigit, type Config, loadConfig, silentLogger } from '@simcard/common';
import { createTestDatabase, type TestDatabase } from '@simcard/db/testing';
import { type RunningMainApi, startMainApi } from '@simcard/main-api';
import { startProviderSim } from '@simcard/provider-sim';
import { type RunningStatusApi, type StartOptions, startStatusApi } from '../../src/main.js';

export const PROVIDER_TOKEN = 'test-provider-token';
const ADMIN_PASSWORD = 'admin-password-1';
const JWT_SECRET = 'test-jwt-secret-that-is-at-least-32-bytes-long';

let counter = 0;
/** A valid ICCID unique within the test process. */
export function makeIccid(): string {
  return appendCheckDigit(`8999802${String(++counter).padStart(11, '0')}`);
}

export interface Reply<T = any> {
  status: number;
  body: T;
}

export class Testbed {
  adminToken = '';

  private constructor(
    readonly database: TestDatabase,
    readonly config: Config,
    readonly provider: Awaited<ReturnType<typeof startProviderSim>>,
    public status: RunningStatusApi | null,
    public main: RunningMainApi,
  ) {}

  static async start(env: Record<string, string> = {}, options: StartOptions = {}): Promise<Testbed> {
    const database = await createTestDatabase();
    const provider = await startProviderSim({ port: 0, token: PROVIDER_TOKEN });
    const base = loadConfig({
      NODE_ENV: 'test',
      MAIN_API_PORT: '0',
      STATUS_API_PORT: '0',
      ADMIN_PASSWORD,
      JWT_SECRET,
      PROVIDER_URL: provider.url,
      PROVIDER_TOKEN,
      PROVIDER_TIMEOUT_MS: '1000',
      CHECK_CONCURRENCY: '8',
      ...env,
    });
    const config: Config = { ...base, database: database.config, auth: { ...base.auth, scryptLog2N: 10 } };
    const status = await startStatusApi(config, silentLogger, options);
    const main = await startMainApi({ ...config, statusApi: { ...config.statusApi, url: status.url } }, silentLogger);
    const bed = new Testbed(database, config, provider, status, main);
    bed.adminToken = (await bed.call('POST', `${main.url}/auth/login`, { username: 'admin', password: ADMIN_PASSWORD }, null)).body.token;
    return bed;
  }

  get db() {
    return this.main.db;
  }

  get statusUrl(): string {
    return this.status!.url;
  }

  async call<T = any>(method: string, url: string, body?: unknown, token: string | null = this.adminToken): Promise<Reply<T>> {
    const send = () =>
      fetch(url, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // A GET on a kept-alive connection the server closed at that instant (its idle timeout, on a
    // loaded machine) is sent again, as a browser does; anything else fails the test.
    const res = await send().catch((err: unknown) => {
      if (method === 'GET' && (err as { cause?: { code?: string } }).cause?.code === 'ECONNRESET') return send();
      throw err;
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  /** The simulator's control endpoints. */
  sim(method: string, path: string, body?: unknown): Promise<Reply> {
    return this.call(method, `${this.provider.url}${path}`, body, PROVIDER_TOKEN);
  }

  async setProvider(config: Record<string, number>): Promise<void> {
    const base = { latency_ms: 0, error_rate: 0, timeout_rate: 0, garbage_rate: 0, sales_per_minute: 0 };
    const res = await this.sim('PUT', '/_sim/config', { ...base, ...config });
    if (res.status !== 200) throw new Error(`simulator config failed: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async setSim(iccid: string, state: Record<string, unknown>): Promise<void> {
    const res = await this.sim('PUT', `/_sim/simcards/${iccid}`, state);
    if (res.status !== 200) throw new Error(`simulator set failed: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async createShop(): Promise<any> {
    const code = `S${++counter}`;
    return (await this.call('POST', `${this.main.url}/shops`, { name: `Shop ${code}`, code })).body;
  }

  async createSim(fields: Record<string, unknown> = {}): Promise<any> {
    const res = await this.call('POST', `${this.main.url}/simcards`, { iccid: makeIccid(), ...fields });
    if (res.status !== 201) throw new Error(`create SIM failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async staffToken(shopId: number): Promise<string> {
    const username = `staff${++counter}`;
    await this.call('POST', `${this.main.url}/users`, { username, password: 'staff-password-1', role: 'staff', shop_id: shopId });
    return (await this.call('POST', `${this.main.url}/auth/login`, { username, password: 'staff-password-1' }, null)).body.token;
  }

  /** Waits until a run is no longer running. */
  async waitForRun(id: number, timeoutMs = 20_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = (await this.call('GET', `${this.statusUrl}/check-runs/${id}`)).body;
      if (run.status !== 'running') return run;
      if (Date.now() > deadline) throw new Error(`run ${id} still running: ${JSON.stringify(run)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * A status API worker in a process of its own (a test kills it with SIGKILL), on this bed's
   * database and simulator; resolves once it listens. `env` adds to or overrides its environment
   * (TEST_RUN_PAGE_SIZE: its pages' size, default 5).
   */
  async spawnWorker(env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
    const script = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: this.database.url,
        STATUS_API_PORT: '0',
        JWT_SECRET,
        PROVIDER_URL: this.provider.url,
        PROVIDER_TOKEN,
        CHECK_CONCURRENCY: '4',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on (http:\/\/[^\s"]+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`status API worker exited ${code}: ${err}`)));
    });
    return { url, child };
  }

  async close(): Promise<void> {
    await this.main.close();
    await this.status?.close();
    await this.provider.close();
    await this.database.drop();
  }
}
