/**
 * Check-run figures for /metrics, read from the database at scrape time: they are then right
 * across restarts and across several instances sharing one database.
 */
import type { ServiceMetrics } from '@simcard/common';
import { checkRunsRepository, type Db } from '@simcard/db';

const STATUSES = ['running', 'completed', 'cancelled', 'failed', 'interrupted'] as const;

export function checkRunMetrics(metrics: ServiceMetrics, db: Db): void {
  metrics.gauge('check_runs', 'Auto-check runs recorded, by status', ['status'], async (set) => {
    const counts = await checkRunsRepository.countByStatus(db);
    for (const status of STATUSES) set({ status }, counts[status] ?? 0);
  });
  metrics.gauge(
    'check_run_last_success_age_seconds',
    'Seconds since the last completed check run finished (absent: none yet)',
    [],
    async (set) => {
      const at = await checkRunsRepository.lastCompletedAt(db);
      if (at) set({}, Math.max(0, (Date.now() - at.getTime()) / 1000));
    },
  );
}
