/**
 * The one HTTP client of the web app: every call goes to the main API under `/api`, carries the
 * session's token, and turns an error body `{ error: { code, message, details } }` into an
 * `ApiError` the pages show in the user's language (see i18n/errors.ts). Its types are generated
 * from the API (generated/schema.ts); see README.md in this folder.
 */
import type { Client } from 'openapi-fetch';
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

/** A request's options, as the typed client's callers write them (openapi-fetch's `FetchOptions`). */
interface CallInit extends Omit<RequestInit, 'body' | 'headers'> {
  params?: { path?: Record<string, unknown>; query?: Record<string, unknown> };
  body?: unknown;
  headers?: Record<string, string>;
  bodySerializer?: (body: unknown) => BodyInit;
}

/** A GET's query as openapi-fetch writes it by default: arrays repeated (`a=1&a=2`), objects `a[b]=1`, null and undefined left out. */
function queryString(query: Record<string, unknown> | undefined): string {
  const parts: string[] = [];
  const add = (name: string, value: unknown) => {
    if (value !== undefined && value !== null) parts.push(`${name}=${encodeURIComponent(String(value))}`);
  };
  for (const [name, value] of Object.entries(query ?? {})) {
    if (Array.isArray(value)) for (const v of value) add(name, v);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) add(`${name}[${k}]`, v);
    else add(name, value);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * One call: `{ data, response }` on a 2xx (no `data` on a 204 or an empty body), else the
 * middleware's thrown `ApiError`. What the app used of openapi-fetch's runtime (its 15 kB, 3.4 kB
 * brotli, were in the first chunk a phone downloads and runs before its first screen; bench/RESULTS.md,
 * the phone sections); the types are still openapi-fetch's over the generated contract (`Client<paths>`).
 */
async function call(
  method: string,
  schemaPath: string,
  init: CallInit = {},
): Promise<{ data?: unknown; error?: unknown; response: Response }> {
  const { params, body, headers, bodySerializer, ...rest } = init;
  const url =
    API_BASE +
    schemaPath.replace(/\{([^{}]+)\}/g, (_, name: string) => encodeURIComponent(String(params?.path?.[name]))) +
    queryString(params?.query);
  const serialized = body === undefined ? undefined : bodySerializer ? bodySerializer(body) : JSON.stringify(body);
  const request = new Request(url, {
    ...rest,
    method,
    body: serialized,
    // A FormData body sets its own Content-Type (with the boundary).
    headers: {
      Accept: 'application/json',
      ...(serialized === undefined || serialized instanceof FormData ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
  });
  const token = getToken();
  if (token) request.headers.set('Authorization', `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(request);
  } catch (err) {
    throw (err as Error).name === 'AbortError' ? err : new ApiError(0, 'network_error', (err as Error).message);
  }
  // Every failure becomes an ApiError (thrown), which i18n/errors.ts turns into the person's language.
  if (!response.ok) {
    const error = await toApiError(response);
    // A login attempt's 401 is a wrong password, not an expired session.
    if (response.status === 401 && schemaPath !== '/auth/login') reportUnauthorized();
    throw error;
  }
  const text = response.status === 204 ? '' : await response.text();
  return { data: text ? JSON.parse(text) : undefined, response };
}

/**
 * The typed client over the main API's generated contract (`npm run gen:api`):
 * `http.GET('/shops/{id}', { params: { path: { id } } })`. Paths, parameters, bodies and answers
 * are checked by the compiler. Pages read through the query cache (api/queries.ts), not directly.
 */
export const http = {
  GET: (path: string, init?: CallInit) => call('GET', path, init),
  PUT: (path: string, init?: CallInit) => call('PUT', path, init),
  POST: (path: string, init?: CallInit) => call('POST', path, init),
  DELETE: (path: string, init?: CallInit) => call('DELETE', path, init),
  PATCH: (path: string, init?: CallInit) => call('PATCH', path, init),
} as unknown as Pick<Client<paths>, 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH'>;

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
  saveBlob(await res.blob(), name);
}

/** Saves `blob` as the file `name`, as the browser saves a download. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
