/**
 * A worker's part in the check run it works on (issue 18). Several status API workers share one
 * database and one run: each claims pages of the run's SIMs, and beats every quarter of the
 * lease for the run (so the run is dead only when no worker has beaten for a whole lease) and
 * for each page it holds. A page whose worker has not beaten for a lease is claimed by another
 * worker (CheckRuns' join loop, every quarter lease), so a killed worker's pages go on within
 * lease + a quarter (25 s by default); a worker that has just started never mistakes a live
 * worker's page for a dead one. The beat also carries a cancel asked on another instance to
 * every worker on the run.
 */
import type { Logger } from '@simcard/common';
import { type Db, runLeasesRepository } from '@simcard/db';

export interface Lease {
  worker: string;
  leaseMs: number;
}

/** How often a worker beats and looks for runs with pages to claim. */
export const beatEvery = (lease: Lease) => lease.leaseMs / 4;

/** The ISO time before which a worker's last beat means it is dead. */
export const staleBefore = (lease: Lease) => new Date(Date.now() - lease.leaseMs).toISOString();

export interface ShareEvents {
  /** Someone asked (on any instance) to cancel the run. */
  cancelled(): void;
  /** The run is no longer running (ended by another worker or instance). */
  ended(): void;
  /** These pages are no longer this worker's (taken over after a pause longer than the lease). */
  pagesLost(ids: number[]): void;
}

/**
 * Beats for `runId` and for the pages `pages()` answers, for this worker, until the returned
 * function is called.
 */
export function shareRun(
  db: Db,
  runId: number,
  lease: Lease,
  pages: () => number[],
  events: ShareEvents,
  log: Logger,
  /** Runs the beat's writes (on SQLite, one write of this worker at a time). */
  write: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
): () => void {
  let released = false;
  let beating = false;
  const beat = async () => {
    // A beat still waiting for the database is not joined by another one.
    if (beating) return;
    beating = true;
    try {
      const { running, cancelRequested } = await write(() => runLeasesRepository.beatShared(db, runId, lease.worker));
      if (released) return;
      if (!running) {
        released = true;
        clearInterval(timer);
        events.ended();
        return;
      }
      if (cancelRequested) events.cancelled();
      const mine = pages();
      const kept = new Set(await write(() => runLeasesRepository.beatPages(db, lease.worker, mine)));
      const lost = mine.filter((id) => !kept.has(id));
      if (!released && lost.length > 0) events.pagesLost(lost);
    } catch (err) {
      // A database hiccup is not a lost run: the next beat tries again (the lease allows four misses).
      log.warn(`check run ${runId}: heartbeat failed`, { error: err instanceof Error ? err.message : String(err) });
    } finally {
      beating = false;
    }
  };
  const timer = setInterval(() => void beat(), beatEvery(lease));
  timer.unref();
  void beat();
  return () => {
    released = true;
    clearInterval(timer);
  };
}
