/**
 * Checks asked for now, by a person or the main API: one SIM, or a bounded list. Only SIMs the
 * dealer holds are checked; staff only their own shop's (404 otherwise, as for an unknown one).
 */
import { HttpError, NotFoundError, shopScope, type Principal } from '@simcard/common';
import { simcardsRepository, type Db, type SimcardRow } from '@simcard/db';
import pLimit from 'p-limit';
import type { CheckResult, Checker } from './checker.js';

export class LiveChecks {
  constructor(
    private readonly db: Db,
    private readonly checker: Checker,
    private readonly concurrency: number,
  ) {}

  async stored(principal: Principal, iccid: string): Promise<SimcardRow> {
    const sim = await simcardsRepository.findByIccid(this.db, iccid);
    const scope = shopScope(principal);
    if (!sim || (scope !== null && sim.shop_id !== scope)) throw new NotFoundError('SIM card');
    return sim;
  }

  /** A failed check is an error answer: 504 when the operator timed out, 502 otherwise. */
  async checkOne(principal: Principal, iccid: string): Promise<CheckResult & { ok: true }> {
    const result = await this.checker.check(await this.stored(principal, iccid), 'manual', null);
    if (!result.ok) {
      throw new HttpError(result.failure === 'provider_timeout' ? 504 : 502, result.failure, `The operator check failed: ${result.message}`);
    }
    return result;
  }

  async checkMany(principal: Principal, iccids: string[]): Promise<Array<{ iccid: string; result: CheckResult | null }>> {
    const unique = [...new Set(iccids)];
    const scope = shopScope(principal);
    const found = new Map(
      (await simcardsRepository.findByIccids(this.db, unique))
        .filter((sim) => scope === null || sim.shop_id === scope)
        .map((sim) => [sim.iccid, sim]),
    );
    const limit = pLimit(this.concurrency);
    return Promise.all(
      unique.map(async (iccid) => {
        const sim = found.get(iccid);
        return { iccid, result: sim ? await this.checker.check(sim, 'bulk', null, limit) : null };
      }),
    );
  }
}
