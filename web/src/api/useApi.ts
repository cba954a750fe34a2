/**
 * Loads one API resource for a component: `{ data, error, loading, reload }`. A newer request
 * aborts the older one, so a fast typist's results never arrive out of order.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type Query } from './client';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
  setData: (update: (prev: T | undefined) => T | undefined) => void;
}

export function useApi<T>(path: string | null, query?: Query): Resource<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  const key = path === null ? null : path + JSON.stringify(query ?? {});
  const latest = useRef(0);

  useEffect(() => {
    if (path === null) {
      setLoading(false);
      return;
    }
    const controller = new AbortController();
    const seq = ++latest.current;
    setLoading(true);
    api<T>(path, { query, signal: controller.signal }).then(
      (result) => {
        if (seq !== latest.current) return;
        setDataState(result);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if ((err as Error).name === 'AbortError' || seq !== latest.current) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => controller.abort();
    // `key` stands for path and query (a new object each render, equal by value).
  }, [key, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((update: (prev: T | undefined) => T | undefined) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}
