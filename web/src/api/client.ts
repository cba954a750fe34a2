/**
 * The one HTTP client of the web app: every call goes to the main API under `/api`, carries the
 * session's token, and turns an error body `{ error: { code, message, details } }` into an
 * `ApiError` the pages show in the user's language (see i18n/errors.ts). Its types are generated
 * from the API (generated/schema.ts); see README.md in this folder.
 */
import createClient from 'openapi-fetch';
import type { paths } from './generated/schema';

export const API_BASE = '/api';
const TOKEN_KEY = 'simcard.token';

export interface ErrorDetail {
  field?: string;
  reason: string;
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Private mode without storage: the session then lasts until the tab closes.
  }
}

type UnauthorizedListener = () => void;
let onUnauthorized: UnauthorizedListener = () => {};

/** The auth provider registers how a 401 ends the session (back to login, "session expired"). */
export function setUnauthorizedHandler(listener: UnauthorizedListener): void {
  onUnauthorized = listener;
}

/** For callers outside `api()` (the event stream) that learn the token was refused. */
export function reportUnauthorized(): void {
  if (getToken()) onUnauthorized();
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

/**
 * The typed client, generated from the main API's OpenAPI document (`npm run gen:api`):
 * `http.GET('/shops/{id}', { params: { path: { id } } })`. Paths, parameters, bodies and answers
 * are checked by the compiler. Pages read through the query cache (api/queries.ts), not directly.
 */
export const http = createClient<paths>({ baseUrl: API_BASE, headers: { Accept: 'application/json' } });

/** The error body every endpoint answers with (`{ error: { code, message, details } }`). */
type ErrorBody = { error?: { code?: string; message?: string; details?: ErrorDetail[] } };

export async function toApiError(res: Response): Promise<ApiError> {
  const body = (await res
    .clone()
    .json()
    .catch(() => undefined)) as ErrorBody | undefined;
  const error = body?.error;
  const retry = Number(res.headers.get('Retry-After'));
  return new ApiError(
    res.status,
    // No JSON body from a 5xx: the dev proxy could not reach the API.
    error?.code ?? (res.status >= 500 ? 'service_unavailable' : `http_${res.status}`),
    error?.message ?? res.statusText,
    Array.isArray(error?.details) ? error.details : [],
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

http.use({
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  // Every failure becomes an ApiError (thrown), which i18n/errors.ts turns into the person's language.
  async onResponse({ response, schemaPath }) {
    if (response.ok) return undefined;
    const error = await toApiError(response);
    // A login attempt's 401 is a wrong password, not an expired session.
    if (response.status === 401 && schemaPath !== '/auth/login') reportUnauthorized();
    throw error;
  },
  onError({ error }) {
    if (error instanceof ApiError || (error as Error).name === 'AbortError') return error as Error;
    return new ApiError(0, 'network_error', (error as Error).message);
  },
});

/** The answer of a call, or its error thrown (the middleware above throws ApiError; this narrows the type). */
export async function data<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const result = await call;
  if (result.error !== undefined) throw await toApiError(result.response);
  return result.data as T;
}

/**
 * Downloads a file the API streams (an export): fetched with the token, then saved under the
 * name the server gives in Content-Disposition, or `fallbackName`.
 */
export async function download(path: string, query: Query, fallbackName: string): Promise<void> {
  const token = getToken();
  const res = await fetch(API_BASE + withQuery(path, query), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!res.ok) {
    if (res.status === 401) reportUnauthorized();
    throw await toApiError(res);
  }
  const name = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
