/**
 * The web app's data: every read goes through one query cache (query-cache.ts), keyed by the
 * API path and its parameters; every change says which resources it touched, and the cache
 * re-reads what is on screen. See README.md in this folder.
 *
 *   const shop = $api.useQuery('get', '/shops/{id}', { params: { path: { id } } });
 *   const invalidate = useInvalidate();
 *   await data(http.PUT('/shops/{id}', { params: { path: { id } }, body }));
 *   await invalidate(['shops']);
 */
import type { FetchResponse, MaybeOptionalInit } from 'openapi-fetch';
import { ApiError, http } from './client';
import type { paths } from './generated/schema';
import {
  keepPreviousData,
  type Query,
  QueryClient,
  type QueryFn,
  type QueryOptions,
  type QueryResult,
  useQuery,
  useQueryClient,
} from './query-cache';

type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
type Call = (path: string, init: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/** openapi-react-query's query function, as it is (same key, same answer, same thrown error). */
const queryFn: QueryFn = async ({ queryKey: [method, path, init], signal }) => {
  const call = (http as unknown as Record<string, Call>)[String(method).toUpperCase()]!;
  const { data, error, response } = await call(path as string, { signal, ...(init as object) });
  if (error) throw error;
  if (response.status === 204 || response.headers.get('Content-Length') === '0') return data ?? null;
  return data;
};

/** The keys of T that must be given (openapi-typescript-helpers' `RequiredKeysOf`). */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
/** The paths that have this method (openapi-typescript-helpers' `PathsWithMethod`). */
type PathsWithMethod<Paths, M extends Method> = { [P in keyof Paths]: Paths[P] extends { [K in M]: unknown } ? P : never }[keyof Paths];

/**
 * `$api.useQuery`'s signature, as openapi-react-query wrote it, on query-cache.ts's options and
 * result: the path and its parameters checked, the answer typed per path, all from the generated
 * contract through openapi-fetch's types (`paths`: never a shape written by hand).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- openapi-react-query's constraint, which the generated `paths` meets (`object` here does not)
type UseQuery<Paths extends Record<string, Record<Method, {}>>> = <
  M extends Method,
  Path extends PathsWithMethod<Paths, M>,
  Init extends MaybeOptionalInit<Paths[Path], M>,
  Response extends Required<FetchResponse<Paths[Path][M], Init, `${string}/${string}`>>,
>(
  method: M,
  path: Path,
  ...[init, options, queryClient]: RequiredKeys<Init> extends never
    ? [(Init & Record<string, unknown>)?, Omit<QueryOptions<Response['data']>, 'queryKey' | 'queryFn'>?, QueryClient?]
    : [Init & Record<string, unknown>, Omit<QueryOptions<Response['data']>, 'queryKey' | 'queryFn'>?, QueryClient?]
) => QueryResult<Response['data']>;
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- as above
interface TypedQueries<Paths extends {}> {
  useQuery: UseQuery<Paths>;
}

/**
 * Typed hooks over the generated client: `$api.useQuery(method, path, init, options)`, keyed
 * `[method, path, init]`, on the app's own query cache (query-cache.ts) instead of TanStack Query,
 * whose code a phone downloaded and ran before its first screen (the phone sections of
 * bench/RESULTS.md). Of TanStack's options, query-cache.ts does `enabled`, `staleTime`,
 * `placeholderData`, `refetchInterval`, `refetchOnWindowFocus`, `gcTime`, `retry`; of its result,
 * the fields listed in QueryResult.
 */
export const $api: TypedQueries<paths> = {
  useQuery: ((method: Method, path: string, init?: object, options?: object, queryClient?: QueryClient) =>
    useQuery({ queryKey: init === undefined ? [method, path] : [method, path, init], queryFn, ...options }, queryClient)) as never,
};

/** For lists whose parameters change as the person types or pages: the last answer stays until the new one is in. */
export const keepPrevious = { placeholderData: keepPreviousData } as const;

export function createAppQueryClient(): QueryClient {
  return new QueryClient({
    // Figures change under the page (sales, checks): always re-read a resource a screen opens,
    // but show the cached answer meanwhile. Invalidation (below) covers changes seen here.
    staleTime: 0,
    gcTime: 5 * 60_000,
    // A refused request (4xx) will be refused again; a lost connection is worth one more try.
    retry: (failures, error) => failures < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    refetchOnWindowFocus: true,
  });
}

/**
 * What the cache calls a resource: the first segment of a query's API path (`/simcards/{id}` →
 * `simcards`), except the figures under a shop (`/shops/{id}/stats`), which are `statistics`.
 */
export type Resource =
  | 'anomalies'
  | 'api-keys'
  | 'audit'
  | 'auth'
  | 'check-runs'
  | 'imports'
  | 'logs'
  | 'notifications'
  | 'reports'
  | 'shops'
  | 'simcards'
  | 'statistics'
  | 'users'
  // New endpoints' first path segments are resources too.
  | (string & {});

export function resourceOf(path: string): Resource {
  if (/^\/shops\/[^/]+\/stats/.test(path)) return 'statistics';
  return path.split('/')[1] ?? '';
}

/**
 * What else changes when a resource does: a SIM moving or selling changes the figures, the
 * anomalies and the logs; a shop's name shows in lists of SIMs and users; a check run changes SIMs.
 */
const alsoChanges: Record<string, Resource[]> = {
  simcards: ['statistics', 'anomalies', 'logs', 'shops', 'imports', 'statements', 'chase'],
  imports: ['simcards', 'statistics', 'anomalies', 'shops', 'statements', 'chase'],
  // Rules and shares price sales: statements follow a recompute.
  'commission-rules': ['statements', 'chase'],
  'commission-shares': ['statements', 'chase'],
  statements: ['chase'],
  shops: ['statistics', 'simcards', 'users'],
  'check-runs': ['statistics', 'simcards', 'logs', 'anomalies', 'reports', 'statements', 'chase'],
  users: ['shops'],
  // A handover moves SIMs between stock and a shop.
  handovers: ['simcards', 'statistics', 'shops', 'chase'],
  'anomaly-reviews': ['anomalies'],
};

/** The resources a change to `changed` makes stale: themselves and what they feed. */
export function affectedBy(changed: readonly Resource[]): Set<Resource> {
  const out = new Set<Resource>();
  for (const r of changed) {
    out.add(r);
    for (const other of alsoChanges[r] ?? []) out.add(other);
  }
  return out;
}

function queryPath(query: Query<unknown>): string {
  const path = query.queryKey[1];
  return typeof path === 'string' ? path : '';
}

/** Re-reads every cached query of these resources (and what they feed): open screens update, others on their next visit. */
export function invalidate(client: QueryClient, changed: readonly Resource[]): Promise<void> {
  return invalidateOnly(client, [...affectedBy(changed)]);
}

/** Re-reads these resources only, not what they feed (a running check's progress is not yet a change of SIMs). */
export function invalidateOnly(client: QueryClient, resources: readonly Resource[]): Promise<void> {
  const stale = new Set(resources);
  return client.invalidateQueries({ predicate: (query) => stale.has(resourceOf(queryPath(query))) });
}

/** For effects outside a component's own mutation (a live event, a manual check's answer). */
export function useInvalidate(): (changed: Resource[]) => Promise<void> {
  const client = useQueryClient();
  return (changed) => invalidate(client, changed);
}
