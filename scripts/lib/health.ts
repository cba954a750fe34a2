/** Waiting for a started service to answer its health check. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface HealthOutcome {
  healthy: boolean;
  /** When not healthy: what its /health said was failing. */
  problem?: string;
}

/**
 * Polls `url` until it answers 2xx. A service that keeps answering something else (its /health
 * is 503 while a dependency outside our control, e.g. the operator, is down) is up all the same:
 * after `degradedAfterMs` of such answers it counts as running, with the problem reported.
 * Rejects when `signal` aborts (a part died, Ctrl-C, or too late).
 */
export async function waitUntilHealthy(
  url: string,
  signal: AbortSignal,
  degradedAfterMs = 15_000,
  intervalMs = 150,
): Promise<HealthOutcome> {
  let firstUnhealthyAnswer: number | null = null;
  for (;;) {
    signal.throwIfAborted();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      const body = await res.text();
      if (res.ok) return { healthy: true };
      firstUnhealthyAnswer ??= performance.now();
      if (performance.now() - firstUnhealthyAnswer >= degradedAfterMs)
        return { healthy: false, problem: describeProblem(res.status, body) };
    } catch {
      // Not listening yet (or a slow answer): try again.
    }
    await sleep(intervalMs, undefined, { signal }).catch(() => {});
  }
}

/** `/health` bodies name their failing checks: `{ failing: [...], checks: { name: { error } } }`. */
function describeProblem(status: number, body: string): string {
  try {
    const health = JSON.parse(body) as { failing?: string[]; checks?: Record<string, { error?: string }> };
    if (health.failing?.length) {
      return health.failing
        .map((name) => `${name} failing${health.checks?.[name]?.error ? ` (${health.checks[name]!.error})` : ''}`)
        .join(', ');
    }
  } catch {
    // Not JSON: the status says enough.
  }
  return `its health check answers ${status}`;
}
