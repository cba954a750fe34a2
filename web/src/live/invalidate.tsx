/**
 * Live events keep the query cache current: a sale and a check run's progress re-read the
 * resources they change, so an open screen (the dashboard in a second tab, a list of SIMs)
 * follows without a reload. Mounted once, inside the LiveProvider and the QueryClientProvider.
 */
import { useEffect, useRef } from 'react';
import type { CheckRun } from '../api/models';
import { invalidate, invalidateOnly, type Resource } from '../api/queries';
import { useQueryClient } from '../api/query-cache';
import { useLiveConnected, useLiveEvent } from './live';

/** Events come in bursts (a run's progress every second, a batch of sales): re-read at most this often. */
const BATCH_MS = 300;
/** Without the event stream, what changes on its own (figures, runs) is re-read this often. */
const POLL_MS = 2000;

export function LiveInvalidation(): null {
  const client = useQueryClient();
  const connected = useLiveConnected();
  const pending = useRef({ cascade: new Set<Resource>(), only: new Set<Resource>() });
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const schedule = (kind: 'cascade' | 'only', resources: Resource[]) => {
    for (const r of resources) pending.current[kind].add(r);
    timer.current ??= setTimeout(() => {
      timer.current = undefined;
      const { cascade, only } = pending.current;
      pending.current = { cascade: new Set(), only: new Set() };
      if (cascade.size) void invalidate(client, [...cascade]);
      if (only.size) void invalidateOnly(client, [...only]);
    }, BATCH_MS);
  };
  useEffect(() => () => clearTimeout(timer.current), []);

  // A sale changes the SIM, the figures, the anomalies, the shop's statement.
  useLiveEvent('simcard.sold', () => schedule('cascade', ['simcards']));
  useLiveEvent('check_run', (data) => {
    const run = data as Partial<CheckRun>;
    // While it runs, its progress (the runs page, the dashboard's last run); once it ends, all it changed.
    if (run.status === 'running') schedule('only', ['check-runs', 'statistics']);
    else schedule('cascade', ['check-runs']);
  });

  useEffect(() => {
    if (connected) return;
    const id = setInterval(() => void invalidateOnly(client, ['statistics', 'check-runs']), POLL_MS);
    return () => clearInterval(id);
  }, [connected, client]);
  return null;
}
