/**
 * The main API's way to the status API, with a service credential (a short-lived token signed
 * with the shared key). Down (refused, or no connection within 2 s) → 503 with a clear message;
 * the status API's own error answers (502/504 from the operator, 503 with Retry-After when it was
 * not asked, 409, 404) pass through as they are.
 *
 * Several status API workers (issue 18): STATUS_API_URL may list them, comma-separated. Calls
 * take turns over the list; one that fails is skipped for a few seconds. A call goes on to the
 * next worker only when the one asked certainly did not act on it, or when asking twice is
 * harmless:
 * - any call, when no connection was made (refused, no route, DNS, connect timeout);
 * - a GET also when the connection broke before an answer, or the answer was a 502/503/504 that
 *   is not the status API's own error (a proxy's, or a worker shutting down).
 * A POST (starting a run, cancel, resume) that may have reached a worker is never sent to
 * another: the caller gets 503 and decides (starting a run twice is refused anyway with 409).
 * All tries of one call share its deadline.
 */
import {
  type ErrorDetail,
  type HealthCheckResult,
  HttpError,
  logContext,
  ServiceUnavailableError,
  type TokenService,
} from '@simcard/common';
import { Agent, request } from 'undici';

const CONNECT_TIMEOUT_MS = 2000;
/** How long a worker that failed is asked only when no other is left. */
const SKIP_FAILED_MS = 5000;

/** Errors of a connection that was never made: the request never left this process. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** STATUS_API_URL's list: the base URLs, without trailing slashes. */
export function statusApiUrls(list: string): string[] {
  return list
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

function errorCode(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string }; name?: string };
  return e.code ?? e.cause?.code ?? e.name ?? 'error';
}

export class StatusApiClient {
  readonly #agent = new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS }, keepAliveTimeout: 10_000 });
  readonly #urls: string[];
  /** Per worker: until when (ms) it is tried only after the others. */
  readonly #skipUntil: number[];
  #turn = 0;

  constructor(
    /** One base URL, or several comma-separated (STATUS_API_URL). */
    baseUrls: string,
    private readonly tokens: TokenService,
    /** The longest a call may take: the operator's timeout with its retries, and a margin. */
    private readonly timeoutMs: number,
  ) {
    this.#urls = statusApiUrls(baseUrls);
    if (this.#urls.length === 0) throw new Error('StatusApiClient: no status API URL');
    this.#skipUntil = this.#urls.map(() => 0);
  }

  /** The workers in the order this call tries them: taking turns, those that failed lately last. */
  #order(): number[] {
    const start = this.#turn++ % this.#urls.length;
    const all = this.#urls.map((_, i) => (start + i) % this.#urls.length);
    const now = Date.now();
    return [...all.filter((i) => this.#skipUntil[i]! <= now), ...all.filter((i) => this.#skipUntil[i]! > now)];
  }

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const requestId = logContext().request_id;
    const signal = AbortSignal.timeout(this.timeoutMs);
    let lastProblem = '';
    for (const i of this.#order()) {
      let res;
      try {
        res = await request(`${this.#urls[i]}${path}`, {
          method,
          dispatcher: this.#agent,
          headers: {
            authorization: `Bearer ${this.tokens.issueService('main-api')}`,
            // The same request id in both services' logs.
            ...(typeof requestId === 'string' ? { 'x-request-id': requestId } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch (err) {
        const code = errorCode(err);
        lastProblem = `is not reachable (${code})`;
        if (signal.aborted) break;
        this.#skipUntil[i] = Date.now() + SKIP_FAILED_MS;
        // Never connected: nobody saw the request. Otherwise only a GET may be asked again.
        if (NOT_CONNECTED.has(code) || method === 'GET') continue;
        break;
      }
      const text = await res.body.text().catch(() => '');
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (res.statusCode >= 200 && res.statusCode < 300 && json !== undefined) {
        this.#skipUntil[i] = 0;
        return json as T;
      }
      const error = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
      if (error?.code && res.statusCode >= 400 && res.statusCode < 600 && res.statusCode !== 500 && res.statusCode !== 401) {
        const retryAfter = res.headers['retry-after'];
        throw new HttpError(
          res.statusCode,
          error.code,
          error.message ?? 'Status service error',
          error.details,
          typeof retryAfter === 'string' ? { 'Retry-After': retryAfter } : undefined,
        );
      }
      lastProblem = `answered ${res.statusCode}`;
      // A gateway's or a stopping worker's 502/503/504 (not the status API's own error): for a GET, the next one.
      if (method === 'GET' && res.statusCode >= 502 && res.statusCode <= 504 && !signal.aborted) {
        this.#skipUntil[i] = Date.now() + SKIP_FAILED_MS;
        continue;
      }
      throw new ServiceUnavailableError(`The status service answered ${res.statusCode}; try again in a minute`, 'status_api_unavailable');
    }
    throw new ServiceUnavailableError(`The status service ${lastProblem}; try again in a minute`, 'status_api_unavailable');
  }

  /**
   * For the main API's /health: whether the status API answers its /health, and the parts it
   * reports failing (the operator's breaker), named beside it with their `since`. The status API
   * answering 503 (its database down) is the status API failing; no answer at all too. With
   * several workers: ok while one answers ok, each worker's state under `instances`.
   */
  async ping(): Promise<HealthCheckResult> {
    const results = await Promise.all(this.#urls.map((url) => this.#pingOne(url)));
    const best = results.find((r) => r.ok) ?? results[0]!;
    if (this.#urls.length === 1) return best;
    const instances = Object.fromEntries(
      this.#urls.map((url, i) => [
        url,
        results[i]!.ok ? 'ok' : String(results[i]!.detail?.error ?? results[i]!.detail?.health ?? 'failing'),
      ]),
    );
    return { ...best, detail: { ...best.detail, instances } };
  }

  async #pingOne(baseUrl: string): Promise<HealthCheckResult> {
    try {
      const res = await request(`${baseUrl}/health`, { dispatcher: this.#agent, signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) });
      const body = (await res.body.json().catch(() => undefined)) as
        | { status?: unknown; failing?: unknown; checks?: Record<string, { status?: string; since?: string } & Record<string, unknown>> }
        | undefined;
      if (res.statusCode !== 200 && res.statusCode !== 503) return { ok: false, detail: { error: `answered ${res.statusCode}` } };
      const failing = Array.isArray(body?.failing) ? (body.failing as string[]) : [];
      if (res.statusCode === 503) return { ok: false, detail: { health: body?.status ?? null, failing } };
      const parts: Record<string, HealthCheckResult> = {};
      for (const name of failing) {
        if (name === 'database') continue;
        const { status: _status, since, ...detail } = body?.checks?.[name] ?? {};
        parts[name] = { ok: false, detail: { ...detail, reported_by: 'status_api' }, ...(typeof since === 'string' ? { since } : {}) };
      }
      return { ok: true, detail: { health: body?.status ?? null }, parts };
    } catch (err) {
      return { ok: false, detail: { error: `not reachable (${errorCode(err)})` } };
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
