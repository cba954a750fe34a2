/**
 * A schedule shared by every worker on the database (issue 18): each worker looks every few
 * seconds whether the schedule is due, and the one whose UPDATE moves its next time on fires it,
 * so a run starts once per interval whatever the number of workers (on SQLite, one worker: the
 * same code). The next time is counted from the firing, so a worker that was down does not make
 * up for missed intervals with a burst. Schedules are told apart by name (`auto-check`, and
 * `auto-check:<operator>` for an operator with an interval of its own): each fires on its own.
 * A firing that could not do its work yet (`fire` answers 'again') leaves the schedule due, so
 * the next look of any worker fires it again, and its interval counts from the firing that did.
 */
import type { Logger } from '@simcard/common';
import { type Db, runLeasesRepository } from '@simcard/db';

/** Checks at most this often whether the schedule is due (and at least twice per interval). */
const MAX_TICK_MS = 5_000;

/** What a firing did: its work ('fired', also when there was nothing to do), or nothing yet ('again': due again at once). */
export type Fired = 'fired' | 'again';

/** Calls `fire` once per `intervalMs` across all workers; answers how to stop this worker's part. */
export function everyInterval(db: Db, name: string, intervalMs: number, fire: () => Promise<Fired | void>, log: Logger): () => void {
  const at = (ms: number) => new Date(Date.now() + ms).toISOString();
  let stopped = false;
  let ticking = false;
  const tick = async () => {
    if (ticking || stopped) return;
    ticking = true;
    try {
      if ((await runLeasesRepository.claimDue(db, name, at(intervalMs))) && (await fire()) === 'again') {
        // Due again now, for whichever worker looks next (ensureSchedule only brings the next time forward).
        await runLeasesRepository.ensureSchedule(db, name, at(0));
      }
    } catch (err) {
      log.error(`schedule ${name}: could not fire`, { error: err instanceof Error ? err.message : String(err) });
    } finally {
      ticking = false;
    }
  };
  const timer = setInterval(() => void tick(), Math.min(intervalMs / 2, MAX_TICK_MS));
  timer.unref();
  void runLeasesRepository
    .ensureSchedule(db, name, at(intervalMs))
    .catch((err: unknown) => log.error(`schedule ${name}: could not be set up`, { error: String(err) }));
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
