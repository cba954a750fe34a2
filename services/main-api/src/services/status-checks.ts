/** Status checks from the main API: who may check what here, the work in the status API. */
import type { CheckResultView, CheckRunView, Principal } from '@simcard/common';
import { simcardsRepository, type Db, type SimcardRow } from '@simcard/db';
import type { SimcardsService } from './simcards.js';
import type { StatusApiClient } from './status-api-client.js';

export class StatusChecksService {
  constructor(
    private readonly db: Db,
    private readonly simcards: SimcardsService,
    private readonly statusApi: StatusApiClient,
  ) {}

  /** Staff may check their own shop's SIMs only (404 otherwise, from `get`). */
  async checkNow(principal: Principal, id: number): Promise<{ simcard: SimcardRow; check: CheckResultView }> {
    const sim = await this.simcards.get(principal, id);
    const { check } = await this.statusApi.call<{ check: CheckResultView }>('GET', `/simcards/${sim.iccid}/status`);
    return { simcard: (await simcardsRepository.findById(this.db, id)) ?? sim, check };
  }

  startRun(includeSold: boolean): Promise<CheckRunView> {
    return this.statusApi.call('POST', '/check-runs', { include_sold: includeSold });
  }

  listRuns(limit: number, offset: number): Promise<{ data: CheckRunView[]; total: number; limit: number; offset: number }> {
    return this.statusApi.call('GET', `/check-runs?limit=${limit}&offset=${offset}`);
  }

  getRun(id: number): Promise<CheckRunView> {
    return this.statusApi.call('GET', `/check-runs/${id}`);
  }

  runAction(id: number, action: 'cancel' | 'resume'): Promise<CheckRunView> {
    return this.statusApi.call('POST', `/check-runs/${id}/${action}`);
  }
}
