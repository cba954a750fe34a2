/** The auto-check report over the last N calendar days (UTC), today included. */
import { checkReportsRepository, type Db } from '@simcard/db';
import { windowStart } from './statistics.js';

export class CheckReportsService {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async report(days: number) {
    const since = windowStart(this.clock(), days);
    const figures = await checkReportsRepository.checkRunFigures(this.db, since.toISOString());
    return { since, ...figures };
  }
}
