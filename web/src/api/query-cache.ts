/**
 * The app's query cache: answers kept by key, shown at once when a screen opens again and re-read
 * behind them, re-read when a change makes them stale (queries.ts's `invalidate`). It does what
 * the app used of TanStack Query, in ~4 kB instead of its ~36 kB (10 kB brotli), which a phone
 * downloaded, parsed and ran before its first screen's rows (bench/RESULTS.md, the phone sections):
 * - `useQuery({ queryKey, queryFn, enabled, staleTime, placeholderData, refetchInterval })`, with
 *   TanStack's result fields (`data`, `error`, `status`, `isPending`, `isFetching`, `refetch`…);
 * - a query is stale after `staleTime` (0: at once) or when invalidated; a screen that opens it
 *   (an observer mounting) shows what is cached and re-reads a stale one; so does the tab coming
 *   back into view or the network coming back;
 * - one request per key at a time (a second reader joins it); an invalidation during a request
 *   starts a new one, whose answer wins; a failed request is retried as `retry` says, after 1 s;
 * - an answer equal to the last keeps its objects (structural sharing): effects keyed on it do not run again;
 * - a query nobody shows is dropped after `gcTime`.
 * Not here (the app does not use them): mutations, infinite and suspense queries, `select`.
 */
import { createContext, createElement, type ReactNode, useContext, useEffect, useReducer, useRef } from 'react';

export type QueryKey = readonly unknown[];

export interface QueryState<T = unknown> {
  data: T | undefined;
  error: unknown;
  status: 'pending' | 'success' | 'error';
  fetchStatus: 'idle' | 'fetching';
  dataUpdatedAt: number;
  isInvalidated: boolean;
}

export type QueryFn<T = unknown> = (context: { queryKey: QueryKey; signal: AbortSignal }) => Promise<T>;

export interface Defaults {
  staleTime: number;
  gcTime: number;
  /** Whether to try again after `failures` failed attempts (the last one's error). */
  retry: (failures: number, error: unknown) => boolean;
  refetchOnWindowFocus: boolean;
}

export interface QueryOptions<T = unknown> extends Partial<Defaults> {
  queryKey: QueryKey;
  queryFn: QueryFn<T>;
  enabled?: boolean;
  /** Shown while the key has no answer yet: a value, or a function of the previous key's answer (`keepPreviousData`). */
  placeholderData?: T | ((previous: T | undefined) => T | undefined);
  refetchInterval?: number | false | ((query: Query<T>) => number | false | undefined);
}

export interface QueryResult<T = unknown> {
  data: T | undefined;
  error: unknown;
  status: QueryState['status'];
  fetchStatus: QueryState['fetchStatus'];
  isPending: boolean;
  isSuccess: boolean;
  isError: boolean;
  isFetching: boolean;
  isLoading: boolean;
  isPlaceholderData: boolean;
  dataUpdatedAt: number;
  refetch: () => Promise<QueryResult<T>>;
}

/** `placeholderData: keepPreviousData`: a list keeps its last page on screen while the next one loads. */
export function keepPreviousData<T>(previous: T | undefined): T | undefined {
  return previous;
}

/** TanStack's key hash: JSON with object keys sorted, so `{ a, b }` and `{ b, a }` are one query. */
export function hashKey(key: QueryKey): string {
  return JSON.stringify(key, (_, value: unknown) =>
    isPlainObject(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, value[k]]),
        )
      : value,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `next`, reusing `previous`'s objects and arrays wherever they are equal (the whole of it if nothing changed). */
export function replaceEqualDeep<T>(previous: unknown, next: T): T {
  if (previous === next) return next;
  const arrays = Array.isArray(previous) && Array.isArray(next);
  if (!arrays && !(isPlainObject(previous) && isPlainObject(next))) return next;
  const a = previous as Record<string, unknown>;
  const b = next as Record<string, unknown>;
  const keys = Object.keys(b);
  const out = (arrays ? [] : {}) as Record<string, unknown>;
  let same = keys.length === Object.keys(a).length;
  for (const k of keys) {
    out[k] = replaceEqualDeep(a[k], b[k]);
    if (out[k] !== a[k] || !(k in a)) same = false;
  }
  return (same ? previous : out) as T;
}

const RETRY_DELAY_MS = 1000;

interface Observer {
  options: () => QueryOptions<unknown>;
  notify: () => void;
}

export class Query<T = unknown> {
  state: QueryState<T> = {
    data: undefined,
    error: null,
    status: 'pending',
    fetchStatus: 'idle',
    dataUpdatedAt: 0,
    isInvalidated: false,
  };
  /** Changes with every state change (an observer that subscribes late sees whether it missed one). */
  version = 0;
  readonly observers = new Set<Observer>();
  queryFn: QueryFn<T> | undefined;
  /** An answer asked before any screen read it (seeded): its first reader takes it as fresh. */
  freshForFirstReader = false;
  /** The request under way: only its answer is taken (a newer one replaces it). */
  private current: { id: number; promise: Promise<void>; controller: AbortController } | undefined;
  private fetches = 0;
  private gcTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly queryKey: QueryKey,
    readonly hash: string,
    private readonly client: QueryClient,
  ) {}

  setState(patch: Partial<QueryState<T>>): void {
    this.state = { ...this.state, ...patch };
    this.version++;
    for (const o of [...this.observers]) o.notify();
  }

  setData(data: T): void {
    this.setState({
      data: replaceEqualDeep(this.state.data, data),
      dataUpdatedAt: Date.now(),
      error: null,
      status: 'success',
      isInvalidated: false,
    });
  }

  isStale(staleTime: number): boolean {
    return this.state.isInvalidated || this.state.data === undefined || Date.now() - this.state.dataUpdatedAt >= staleTime;
  }

  /** Observers that want answers now (mounted and enabled). */
  isActive(): boolean {
    for (const o of this.observers) if (o.options().enabled !== false) return true;
    return false;
  }

  /**
   * Asks the server (or joins the request under way). `fresh`: a new request even when one is
   * under way (an invalidation: the one under way may have been answered before the change).
   */
  fetch(fresh = false, fn: QueryFn<T> | undefined = this.queryFn): Promise<void> {
    if (this.current && !fresh) return this.current.promise;
    if (!fn) return Promise.resolve();
    this.current?.controller.abort();
    const retry = this.client.defaults.retry;
    const mine = { id: ++this.fetches, controller: new AbortController(), promise: Promise.resolve() };
    const isMine = () => this.current === mine;
    const attempt = async (failures: number): Promise<void> => {
      try {
        const data = await fn({ queryKey: this.queryKey, signal: mine.controller.signal });
        if (!isMine()) return;
        this.current = undefined;
        this.setState({
          data: replaceEqualDeep(this.state.data, data),
          dataUpdatedAt: Date.now(),
          error: null,
          status: 'success',
          fetchStatus: 'idle',
          isInvalidated: false,
        });
      } catch (error) {
        if (!isMine()) return;
        if (retry(failures, error)) {
          await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * 2 ** failures));
          if (isMine()) await attempt(failures + 1);
          return;
        }
        this.current = undefined;
        this.setState({ error, status: 'error', fetchStatus: 'idle' });
      }
    };
    this.current = mine;
    if (this.state.fetchStatus !== 'fetching') this.setState({ fetchStatus: 'fetching' });
    mine.promise = attempt(0);
    return mine.promise;
  }

  subscribe(observer: Observer): () => void {
    this.observers.add(observer);
    clearTimeout(this.gcTimer);
    return () => {
      this.observers.delete(observer);
      if (this.observers.size === 0) this.gcTimer = setTimeout(() => this.client.remove(this), this.client.defaults.gcTime);
    };
  }
}

export class QueryClient {
  readonly defaults: Defaults;
  private readonly queries = new Map<string, Query<never>>();

  constructor(defaults: Partial<Defaults> = {}) {
    this.defaults = { staleTime: 0, gcTime: 5 * 60_000, retry: (failures) => failures < 3, refetchOnWindowFocus: true, ...defaults };
  }

  /** The key's query, made if new. */
  build<T>(key: QueryKey): Query<T> {
    const hash = hashKey(key);
    let query = this.queries.get(hash) as Query<T> | undefined;
    if (!query) {
      query = new Query<T>(key, hash, this);
      this.queries.set(hash, query as Query<never>);
    }
    return query;
  }

  find<T>(key: QueryKey): Query<T> | undefined {
    return this.queries.get(hashKey(key)) as Query<T> | undefined;
  }

  getQueryData<T>(key: QueryKey): T | undefined {
    return this.find<T>(key)?.state.data;
  }

  setQueryData<T>(key: QueryKey, data: T): void {
    this.build<T>(key).setData(data);
  }

  /**
   * An answer asked before any screen showed the key (the first screen's data, asked at the
   * visit's start): its first reader shows it without asking again, however old (as long as it
   * comes within `forMs`); later readers follow the usual rule.
   */
  seed<T>(key: QueryKey, answer: { value: T } | Promise<T>, forMs = 30_000): void {
    const query = this.build<T>(key);
    query.freshForFirstReader = true;
    setTimeout(() => (query.freshForFirstReader = false), forMs);
    if ('value' in answer) {
      query.setData(answer.value);
      return;
    }
    // Refused or lost: the reader asks for itself (once it is there; else its mount sees no answer).
    void query.fetch(true, (context) =>
      answer.catch((error: unknown) => {
        query.freshForFirstReader = false;
        if (!query.queryFn) throw error;
        return query.queryFn(context);
      }),
    );
  }

  /** Marks the matching queries stale and re-reads those on screen; settles when they are in. */
  invalidateQueries({ predicate }: { predicate: (query: Query<unknown>) => boolean }): Promise<void> {
    const waits: Array<Promise<void>> = [];
    for (const query of this.queries.values()) {
      if (!predicate(query)) continue;
      query.setState({ isInvalidated: true });
      if (query.isActive()) waits.push(query.fetch(true));
    }
    return Promise.all(waits).then(() => undefined);
  }

  /** Re-reads what is on screen and stale: the tab seen again, the network back. */
  refetchStale(): void {
    for (const query of this.queries.values()) {
      const stale = [...query.observers].some((o) => {
        const options = o.options();
        return (
          options.enabled !== false && options.refetchOnWindowFocus !== false && query.isStale(options.staleTime ?? this.defaults.staleTime)
        );
      });
      if (stale) void query.fetch();
    }
  }

  remove(query: Query<unknown>): void {
    if (query.observers.size === 0 && this.queries.get(query.hash) === query) this.queries.delete(query.hash);
  }

  clear(): void {
    this.queries.clear();
  }

  /** Listens for the tab coming back into view and the network coming back (QueryClientProvider). */
  mount(): () => void {
    const onVisible = () => {
      if (document.visibilityState === 'visible') this.refetchStale();
    };
    const onOnline = () => this.refetchStale();
    document.addEventListener('visibilitychange', onVisible);
    window.addEventListener('online', onOnline);
    return () => {
      document.removeEventListener('visibilitychange', onVisible);
      window.removeEventListener('online', onOnline);
    };
  }
}

const ClientContext = createContext<QueryClient | null>(null);

export function QueryClientProvider({ client, children }: { client: QueryClient; children?: ReactNode }) {
  useEffect(() => client.mount(), [client]);
  return createElement(ClientContext.Provider, { value: client }, children);
}

export function useQueryClient(): QueryClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useQueryClient outside QueryClientProvider');
  return client;
}

export function useQuery<T>(options: QueryOptions<T>, explicit?: QueryClient): QueryResult<T> {
  const context = useContext(ClientContext);
  const client = explicit ?? context;
  if (!client) throw new Error('useQuery outside QueryClientProvider');
  const query = client.build<T>(options.queryKey);
  query.queryFn = options.queryFn;
  const latest = useRef(options);
  latest.current = options;
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const seen = useRef(query.version);
  seen.current = query.version;
  const enabled = options.enabled !== false;

  useEffect(() => {
    const stop = query.subscribe({ options: () => latest.current as QueryOptions<unknown>, notify: rerender });
    // A change between this render and now (an answer that came in meanwhile) was not seen.
    if (query.version !== seen.current) rerender();
    if (!enabled) return stop;
    // The answer asked at the visit's start (seed): shown as it is, not asked again.
    if (query.freshForFirstReader) query.freshForFirstReader = false;
    else if (query.isStale(latest.current.staleTime ?? client.defaults.staleTime)) void query.fetch();
    return stop;
  }, [query, enabled, client]);

  const every = options.refetchInterval;
  const interval = typeof every === 'function' ? every(query) : every;
  useEffect(() => {
    if (!enabled || !interval) return;
    const id = setInterval(() => {
      if (document.visibilityState !== 'hidden') void query.fetch();
    }, interval);
    return () => clearInterval(id);
  }, [query, enabled, interval]);

  // The last answer this reader showed, for keepPreviousData while a new key loads.
  const shown = useRef<T | undefined>(undefined);
  const { state } = query;
  let data = state.data;
  let isPlaceholderData = false;
  if (data === undefined && state.status !== 'error' && options.placeholderData !== undefined) {
    const placeholder = options.placeholderData;
    data = typeof placeholder === 'function' ? (placeholder as (previous: T | undefined) => T | undefined)(shown.current) : placeholder;
    isPlaceholderData = data !== undefined;
  }
  if (data !== undefined) shown.current = data;
  const status = isPlaceholderData ? 'success' : state.status;
  const isFetching = state.fetchStatus === 'fetching';
  const result: QueryResult<T> = {
    data,
    error: state.error,
    status,
    fetchStatus: state.fetchStatus,
    isPending: status === 'pending',
    isSuccess: status === 'success',
    isError: status === 'error',
    isFetching,
    isLoading: status === 'pending' && isFetching,
    isPlaceholderData,
    dataUpdatedAt: state.dataUpdatedAt,
    refetch: () => query.fetch(true).then(() => result),
  };
  return result;
}
