/**
 * The one HTTP client of the web app: every call goes to the main API under `/api`, carries the
 * session's token, and turns an error body `{ error: { code, message, details } }` into an
 * `ApiError` the pages show in the user's language (see i18n/errors.ts).
 */
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

export interface RequestOptions {
  method?: string;
  query?: Query;
  /** A plain object is sent as JSON; a string, FormData or Blob as they are. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (options.body instanceof FormData || options.body instanceof Blob) {
    body = options.body;
  } else if (typeof options.body === 'string') {
    body = options.body;
    headers['Content-Type'] = options.contentType ?? 'text/plain; charset=utf-8';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] = 'application/json';
  }

  let res: Response;
  try {
    res = await fetch(API_BASE + withQuery(path, options.query), {
      method: options.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      signal: options.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', (err as Error).message);
  }

  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
    const retry = Number(res.headers.get('Retry-After'));
    const apiError = new ApiError(
      res.status,
      // No JSON body from a 5xx: the dev proxy could not reach the API.
      error?.code ?? (res.status >= 500 ? 'service_unavailable' : `http_${res.status}`),
      error?.message ?? res.statusText,
      Array.isArray(error?.details) ? error.details : [],
      Number.isFinite(retry) && retry > 0 ? retry : null,
    );
    // A login attempt's 401 is a wrong password, not an expired session.
    if (res.status === 401 && !path.startsWith('/auth/login')) reportUnauthorized();
    throw apiError;
  }
  return json as T;
}

/**
 * Downloads a file the API streams (an export): fetched with the token, then saved under the
 * name the server gives in Content-Disposition, or `fallbackName`.
 */
export async function download(path: string, query: Query, fallbackName: string): Promise<void> {
  const token = getToken();
  const res = await fetch(API_BASE + withQuery(path, query), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    if (res.status === 401) reportUnauthorized();
    throw new ApiError(res.status, body?.error?.code ?? (res.status >= 500 ? 'service_unavailable' : `http_${res.status}`), body?.error?.message ?? res.statusText);
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
