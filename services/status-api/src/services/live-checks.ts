/**
 * Checks asked for now, by a person or the main API: one SIM, or a bounded list. Only SIMs the
 * dealer holds are checked; staff only their own shop's (404 otherwise, as for an unknown one).
 */
import { HttpError, NotFoundError, type Principal, shopScope } from '@simcard/common';
import { type Db, type SimcardRow, simcardsRepository } from '@simcard/db';
import pLimit from 'p-limit';
import { isDeferral } from '../provider/provider.js';
import type { Checker, CheckResult } from './checker.js';

/**
 * When to ask again after a check that was not made: the breaker lets a probe through after its
 * open time (10 s by default) and a rate-limited operator asks for seconds; a person retrying
 * after this finds the answer or the same 503 again.
 */
const NOT_ASKED_RETRY_AFTER_S = 5;

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

  /**
   * A failed check is an error answer: 504 when the operator timed out, 502 when it failed, 503
   * with Retry-After when it was not asked (`circuit_open`: checks of it are paused after repeated
   * failures; `provider_rate_limited`), and 422 `no_provider` (params.operator) when the SIM's
   * operator has no provider configured.
   */
  async checkOne(principal: Principal, iccid: string): Promise<CheckResult & { ok: true }> {
    const result = await this.checker.check(await this.stored(principal, iccid), 'manual', null);
    if (!result.ok && result.failure === 'no_provider') {
      // Nothing to retry and nothing the operator did: the dealer has not configured this operator.
      const operator = result.simcard.operator ?? '';
      throw new HttpError(422, 'no_provider', `No provider is configured for this SIM's operator (${operator || 'none'})`, [
        { reason: 'no provider is configured for this operator', code: 'no_provider', params: { operator } },
      ]);
    }
    if (!result.ok && result.failure !== 'no_provider' && isDeferral(result.failure)) {
      throw new HttpError(503, result.failure, `The operator was not asked: ${result.message}; try again in a few seconds`, undefined, {
        'Retry-After': String(NOT_ASKED_RETRY_AFTER_S),
      });
    }
    if (!result.ok) {
      throw new HttpError(
        result.failure === 'provider_timeout' ? 504 : 502,
        result.failure,
        `The operator check failed: ${result.message}`,
      );
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
