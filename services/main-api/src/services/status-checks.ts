/** Status checks from the main API: who may check what here, the work in the status API. */
import type { Principal } from '@simcard/common';
import { simcardsRepository, type Db, type SimcardRow } from '@simcard/db';
import type { z } from 'zod';
import type { CheckResult, CheckRun } from '../routes/status-checks/status-checks.schema.js';
import type { SimcardsService } from './simcards.js';
import type { StatusApiClient } from './status-api-client.js';

type Run = z.infer<typeof CheckRun>;

export class StatusChecksService {
  constructor(
    private readonly db: Db,
    private readonly simcards: SimcardsService,
    private readonly statusApi: StatusApiClient,
  ) {}

  /** Staff may check their own shop's SIMs only (404 otherwise, from `get`). */
  async checkNow(principal: Principal, id: number): Promise<{ simcard: SimcardRow; check: z.infer<typeof CheckResult> }> {
    const sim = await this.simcards.get(principal, id);
    const { check } = await this.statusApi.call<{ check: z.infer<typeof CheckResult> }>('GET', `/simcards/${sim.iccid}/status`);
    return { simcard: (await simcardsRepository.findById(this.db, id)) ?? sim, check };
  }

  startRun(includeSold: boolean): Promise<Run> {
    return this.statusApi.call('POST', '/check-runs', { include_sold: includeSold });
  }

  listRuns(limit: number, offset: number): Promise<{ data: Run[]; total: number; limit: number; offset: number }> {
    return this.statusApi.call('GET', `/check-runs?limit=${limit}&offset=${offset}`);
  }

  getRun(id: number): Promise<Run> {
    return this.statusApi.call('GET', `/check-runs/${id}`);
  }

  runAction(id: number, action: 'cancel' | 'resume'): Promise<Run> {
    return this.statusApi.call('POST', `/check-runs/${id}/${action}`);
  }
}
