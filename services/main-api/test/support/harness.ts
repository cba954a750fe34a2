/**
 * The main API for a test: a real database (SQLite file or PostgreSQL schema, per TEST_DB),
 * the real server on an ephemeral port, and real HTTP through fetch.
 */
import { appendCheckDigit, type Config, loadConfig, type Logger, silentLogger } from '@simcard/common';
import type { Db } from '@simcard/db';
import { createTestDatabase, type TestDatabase } from '@simcard/db/testing';
import { type RunningMainApi, startMainApi } from '../../src/main.js';

export const ADMIN_PASSWORD = 'admin-password-1';
export const JWT_SECRET = 'test-jwt-secret-that-is-at-least-32-bytes-long';
export const STAFF_PASSWORD = 'staff-password-1';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as-is, with the given content type (default application/json). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

let iccidCounter = 0;

/** A valid ICCID (19 digits, Luhn-correct), unique within the test process. */
export function makeIccid(n = ++iccidCounter): string {
  return appendCheckDigit(`8999801${String(n).padStart(11, '0')}`);
}

let msisdnCounter = 0;
export function makeMsisdn(prefix = '90', n = ++msisdnCounter): string {
  return `+998${prefix}${String(n).padStart(7, '0')}`;
}

export class TestApi {
  adminToken = '';

  private constructor(
    readonly running: RunningMainApi,
    readonly database: TestDatabase,
    readonly config: Config,
  ) {}

  static async start(env: Record<string, string> = {}, log: Logger = silentLogger): Promise<TestApi> {
    const database = await createTestDatabase();
    const base = loadConfig({ NODE_ENV: 'test', MAIN_API_PORT: '0', ADMIN_PASSWORD, JWT_SECRET, ...env });
    // A low scrypt cost keeps the suite fast; password.test.ts checks the production cost.
    const config: Config = { ...base, database: database.config, auth: { ...base.auth, scryptLog2N: 10 } };
    const running = await startMainApi(config, log);
    const api = new TestApi(running, database, config);
    api.adminToken = await api.login('admin', ADMIN_PASSWORD);
    return api;
  }

  get url(): string {
    return this.running.url;
  }

  get db(): Db {
    return this.running.db;
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? this.adminToken : options.token;
    if (token) headers['authorization'] = `Bearer ${token}`;
    let body: string | Buffer | undefined;
    if (options.rawBody !== undefined) {
      body = options.rawBody;
      headers['content-type'] ??= 'application/json';
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get('content-type')?.includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }

  get<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('GET', path, options);
  }
  post<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('POST', path, { ...options, body });
  }
  put<T = any>(path: string, body?: unknown, options?: RequestOptions) {
    return this.request<T>('PUT', path, { ...options, body });
  }
  delete<T = any>(path: string, options?: RequestOptions) {
    return this.request<T>('DELETE', path, options);
  }

  async login(username: string, password: string): Promise<string> {
    const res = await this.request('POST', '/auth/login', { token: null, body: { username, password } });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${res.text}`);
    return res.body.token as string;
  }

  async createShop(fields: Record<string, unknown> = {}): Promise<any> {
    const code = `S${Math.random().toString(36).slice(2, 9)}`.toUpperCase();
    const res = await this.post('/shops', { name: `Shop ${code}`, code, ...fields });
    if (res.status !== 201) throw new Error(`create shop failed: ${res.status} ${res.text}`);
    return res.body;
  }

  async createSimcard(fields: Record<string, unknown> = {}): Promise<any> {
    const res = await this.post('/simcards', { iccid: makeIccid(), ...fields });
    if (res.status !== 201) throw new Error(`create SIM failed: ${res.status} ${res.text}`);
    return res.body;
  }

  /** A staff user of `shopId`, signed in. */
  async createStaff(shopId: number, username = `staff${Math.random().toString(36).slice(2, 10)}`): Promise<{ user: any; token: string }> {
    const res = await this.post('/users', { username, password: STAFF_PASSWORD, role: 'staff', shop_id: shopId });
    if (res.status !== 201) throw new Error(`create staff failed: ${res.status} ${res.text}`);
    return { user: res.body, token: await this.login(username, STAFF_PASSWORD) };
  }

  async close(): Promise<void> {
    await this.running.close();
    await this.database.drop();
  }
}
