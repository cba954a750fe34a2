/** Status checks from the main API: who may check what here, the work in the status API. */
import type { CheckResultView, CheckRunView, CheckScheduleView, Principal } from '@simcard/common';
import { type Db, type SimcardRow, simcardsRepository } from '@simcard/db';
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

  /** `operators`: only these operators' SIMs (absent or empty: all); the status API refuses one without a provider. */
  startRun(includeSold: boolean, operators?: string[]): Promise<CheckRunView> {
    return this.statusApi.call('POST', '/check-runs', { include_sold: includeSold, ...(operators ? { operators } : {}) });
  }

  /**
   * The operators a run can be limited to: those with a provider of their own, read from the
   * status API's /health, which names each one's part `provider:<operator>`. None when one
   * provider serves every SIM (a run then checks every operator in one lane). With them, the
   * scheduled auto-checks and when each is next due, so the run screen can say what runs by itself.
   */
  async runOperators(): Promise<{ operators: string[]; schedules: CheckScheduleView[] }> {
    const [health, schedules] = await Promise.all([
      this.statusApi.call<{ checks?: Record<string, unknown> }>('GET', '/health'),
      this.statusApi.call<{ data: CheckScheduleView[] }>('GET', '/check-runs/schedules'),
    ]);
    const operators = Object.keys(health.checks ?? {})
      .filter((name) => name.startsWith('provider:'))
      .map((name) => name.slice('provider:'.length))
      .sort();
    return { operators, schedules: schedules.data };
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
