/**
 * The main API's way to the status API, with a service credential (a short-lived token signed
 * with the shared key). Down (refused, or no connection within 2 s) → 503 with a clear message;
 * the status API's own error answers (502/504 from the operator, 409, 404) pass through as they are.
 */
import { HttpError, logContext, ServiceUnavailableError, type ErrorDetail, type HealthCheckResult, type TokenService } from '@simcard/common';
import { Agent, request } from 'undici';

const CONNECT_TIMEOUT_MS = 2000;

export class StatusApiClient {
  readonly #agent = new Agent({ connect: { timeout: CONNECT_TIMEOUT_MS }, keepAliveTimeout: 10_000 });

  constructor(
    private readonly baseUrl: string,
    private readonly tokens: TokenService,
    /** The longest a call may take: the operator's timeout with its retries, and a margin. */
    private readonly timeoutMs: number,
  ) {}

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const requestId = logContext().request_id;
    let res;
    try {
      res = await request(`${this.baseUrl}${path}`, {
        method,
        dispatcher: this.#agent,
        headers: {
          authorization: `Bearer ${this.tokens.issueService('main-api')}`,
          // The same request id in both services' logs.
          ...(typeof requestId === 'string' ? { 'x-request-id': requestId } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).name;
      throw new ServiceUnavailableError(`The status service is not reachable (${code}); try again in a minute`, 'status_api_unavailable');
    }
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.statusCode >= 200 && res.statusCode < 300 && json !== undefined) return json as T;
    const error = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    if (error?.code && res.statusCode >= 400 && res.statusCode < 600 && res.statusCode !== 500 && res.statusCode !== 401) {
      throw new HttpError(res.statusCode, error.code, error.message ?? 'Status service error', error.details);
    }
    throw new ServiceUnavailableError(`The status service answered ${res.statusCode}; try again in a minute`, 'status_api_unavailable');
  }

  /**
   * For the main API's /health: whether the status API answers its /health (its own answer,
   * 200 or 503, is reported beside; only no answer at all fails this check).
   */
  async ping(): Promise<HealthCheckResult> {
    try {
      const res = await request(`${this.baseUrl}/health`, { dispatcher: this.#agent, signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) });
      const body = (await res.body.json().catch(() => undefined)) as { status?: unknown; failing?: unknown } | undefined;
      if (res.statusCode !== 200 && res.statusCode !== 503) return { ok: false, detail: { error: `answered ${res.statusCode}` } };
      return { ok: true, detail: { health: body?.status ?? null, ...(Array.isArray(body?.failing) && body.failing.length ? { failing: body.failing } : {}) } };
    } catch (err) {
      return { ok: false, detail: { error: `not reachable (${(err as { code?: string }).code ?? (err as Error).name})` } };
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}
