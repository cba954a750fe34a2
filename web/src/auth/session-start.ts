/**
 * A visit with a stored session asks for everything its first screen needs at once, before
 * React renders: `GET /auth/me`, the signed-in app's chunk, the chunk of the page the URL names,
 * and that page's first data request (first-requests.ts), all in parallel instead of one after
 * the other (index.js → /auth/me → the page's chunks → its data). In the production build
 * index.html's inline script (vite.config.ts) has already started them as the HTML arrived and
 * left the requests in `window.__firstScreen`; here they are taken over, or started when it did
 * not (the dev server). AuthProvider takes the /auth/me answer; SignedInApp puts the data into its
 * query cache. A visit without a token asks for nothing here: the sign-in screen needs no more.
 */
import { API_BASE, ApiError, getToken, reportUnauthorized, toApiError } from '../api/client';
import type { User } from '../api/models';
import { FIRST_REQUESTS, FIRST_SCREEN_STRINGS, type FirstRequest, ROLE_KEY, WIDE_SCREEN } from '../first-requests';
import { type ComponentModule, preload } from '../lazy-ready';
import { matchPath } from '../router';
import { routes } from '../routes';

/** The signed-in app's chunk (App.tsx renders it with lazyReady: the same loader). */
export const loadSignedInApp = (): Promise<ComponentModule<{ user: User }>> => import('../SignedInApp');

/** What index.html's inline script started (production build only). */
interface FirstScreen {
  me?: Promise<Response>;
  /** The route pattern's first request, when it was asked. */
  data?: Record<string, Promise<Response>>;
}

export interface Prefetch {
  /** The page's query key for it (first-requests.ts). */
  key: readonly unknown[];
  answer: Promise<unknown>;
  /** The answer, once it is in (SignedInApp puts it straight into the cache, for the page's first render). */
  settled?: { value: unknown };
}

let me: Promise<{ user: User }> | null = null;
/** The /auth/me asked at start, once answered (AuthProvider's first render then has the user). */
let meSettled: { user: User } | null = null;
let prefetched: Prefetch[] = [];
/** Whether the first screen is one whose strings are in the first part of the dictionary (see firstScreenStrings). */
let light = true;
/** Everything the first signed-in screen needs, in (see firstScreenReady). */
let ready: Promise<unknown> = Promise.resolve();

/** A response as the API client would give it: the JSON body, or the same ApiError (a 401 ends the session). */
async function answer<T>(response: Promise<Response>): Promise<T> {
  let res: Response;
  try {
    res = await response;
  } catch (err) {
    throw new ApiError(0, 'network_error', (err as Error).message);
  }
  if (res.ok) return (await res.json()) as T;
  const error = await toApiError(res);
  if (res.status === 401) reportUnauthorized();
  throw error;
}

function ask(path: string, query?: Record<string, string | number>): Promise<Response> {
  const qs = query ? `?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}` : '';
  return fetch(`${API_BASE}${path}${qs}`, { headers: { Accept: 'application/json', Authorization: `Bearer ${getToken()}` } });
}

/** The role of the last user signed in here: which variant of a page to prepare (only a hint). */
export function rememberRole(role: string | null): void {
  try {
    if (role) localStorage.setItem(ROLE_KEY, role);
    else localStorage.removeItem(ROLE_KEY);
  } catch {
    // No storage: no hint.
  }
}

/** Whether a page's first request is worth asking now (the same rule as index.html's script). */
function wanted(request: FirstRequest): boolean {
  if (request.unlessSearch.some((name) => new URLSearchParams(window.location.search).has(name))) return false;
  if (!request.cardList) return true;
  let role: string | null = null;
  try {
    role = localStorage.getItem(ROLE_KEY);
  } catch {
    // No hint.
  }
  return role === 'staff' || !window.matchMedia?.(WIDE_SCREEN).matches;
}

/** Called once by main.tsx, first thing. */
export function startSession(): void {
  if (!getToken()) return;
  const started = (window as { __firstScreen?: FirstScreen }).__firstScreen;
  me = answer<{ user: User }>(started?.me ?? ask('/auth/me'));
  // Each failure is seen by whoever takes the promise; none is an unhandled rejection meanwhile.
  me.then((value) => (meSettled = value)).catch(() => {});
  const needed: Array<Promise<unknown>> = [preload(loadSignedInApp)];
  const path = window.location.pathname;
  const route = routes.find((r) => matchPath(r.pattern, path));
  if (route) needed.push(preload(route.load as () => Promise<ComponentModule<never>>));
  const request = route && FIRST_REQUESTS[route.pattern];
  const response = !request
    ? undefined
    : started
      ? started.data?.[route.pattern]
      : wanted(request)
        ? ask(request.path, request.query)
        : undefined;
  // The phone's SIM list (the card list, whose first page was asked): its strings are in the
  // dictionary's first part (i18n/uz.first.ts); any other page needs the whole dictionary.
  light = Boolean(route && request && response && FIRST_SCREEN_STRINGS.includes(route.pattern));
  if (request && response) {
    const p: Prefetch = { key: ['get', request.path, { params: { query: request.query } }], answer: answer(response) };
    p.answer.then((value) => (p.settled = { value })).catch(() => {});
    prefetched = [p];
    needed.push(p.answer);
  }
  for (const n of needed) n.catch(() => {});
  // Signed out (the token refused): the sign-in screen needs none of it.
  ready = me.then(
    () => Promise.all(needed),
    () => undefined,
  );
}

/**
 * Settles when the first signed-in screen can render whole: `/auth/me` answered and, with a
 * session, the signed-in app's and the page's chunks and the page's first data in (or one of them
 * failed); at once without a stored token. main.tsx renders then, at most `capMs` later: one render
 * of the page with its rows instead of a "Loading…" for each step (a phone's slow CPU lays out and
 * paints each one). Past the cap the app renders as before, each part as it arrives.
 */
export function firstScreenReady(capMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, capMs);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    ready.then(done, done);
  });
}

/**
 * Whether the first screen renders with the first part of the dictionary (i18n/uz.first.ts): the
 * sign-in screen (no stored session) and the pages of FIRST_SCREEN_STRINGS when their first
 * request was asked (a phone's SIM list); any other page waits for the whole dictionary. After startSession().
 */
export function firstScreenStrings(): boolean {
  return light;
}

/** The /auth/me asked at start when it has already answered with a user, else null. */
export function settledMe(): { user: User } | null {
  return me ? meSettled : null;
}

/** The /auth/me asked at start (once), or a new one. */
export function takeMe(): Promise<{ user: User }> {
  const started = me;
  me = null;
  return started ?? answer(ask('/auth/me'));
}

/**
 * The data requests asked at start, for the first query cache. React may render (and throw
 * away) that cache's component more than once before it is on screen, so they stay until
 * `forgetPrefetched()`, which the one that is used calls.
 */
export function prefetchedAnswers(): readonly Prefetch[] {
  return prefetched;
}

/** After the first signed-in screen: a later sign-in (another user, maybe) starts empty. */
export function forgetPrefetched(): void {
  prefetched = [];
}
