/** The auto-check report over the last N dealer days (TIME_ZONE), today included. */
import { dealerOffsetMinutes, DEFAULT_TIME_ZONE } from '@simcard/common';
import { checkCountsRepository, checkReportsRepository, type Db } from '@simcard/db';
import { lastDays } from './statistics.js';

export class CheckReportsService {
  constructor(
    private readonly db: Db,
    private readonly timeZone: string = DEFAULT_TIME_ZONE,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async report(days: number) {
    const window = lastDays(this.clock(), days, this.timeZone);
    const since = new Date(window[0]!.from);
    const offsetAt = (iso: string) => dealerOffsetMinutes(iso, this.timeZone);
    const range = { from: window[0]!.from, to: window[window.length - 1]!.to };
    const [figures, calls, byOperator, bySource] = await Promise.all([
      checkReportsRepository.checkRunFigures(this.db, window, offsetAt),
      checkCountsRepository.perRange(this.db, window),
      checkCountsRepository.byOperator(this.db, range),
      checkCountsRepository.bySource(this.db, range),
    ]);
    const checks = {
      total: calls.reduce(
        (t, c) => ({
          made: t.made + c.made,
          answered: t.answered + c.answered,
          changed: t.changed + c.changed,
          failed: t.failed + c.failed,
        }),
        checkCountsRepository.zeroCounts(),
      ),
      days: window.map((d, i) => ({ day: d.day, ...calls[i]! })),
      byOperator,
      bySource: { runs: bySource.auto, manual: bySource.manual, bulk: bySource.bulk },
    };
    return { since, ...figures, checks };
  }
}
