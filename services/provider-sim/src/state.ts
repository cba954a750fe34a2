/**
 * What the simulated operator knows: the SIMs it was told about, the ones it has seen asked for,
 * how it misbehaves (latency, errors, timeouts, garbage), and what it has answered so far.
 */
import { z } from 'zod';

export type SimStatus = 'inactive' | 'active' | 'blocked';

export interface SimRecord {
  status: SimStatus | 'not_found';
  msisdn: string | null;
  activatedAt: string | null;
}

export const SimConfig = z.strictObject({
  latency_ms: z.number().min(0).max(120_000),
  latency_max_ms: z.number().min(0).max(120_000).optional(),
  error_rate: z.number().min(0).max(1),
  timeout_rate: z.number().min(0).max(1),
  garbage_rate: z.number().min(0).max(1),
  sales_per_minute: z.number().min(0).max(1_000_000),
});
export type SimConfig = z.infer<typeof SimConfig>;

export const SimRecordBody = z.strictObject({
  status: z.enum(['inactive', 'active', 'blocked', 'not_found']),
  msisdn: z.string().regex(/^\+?\d{7,15}$/).nullish(),
  activated_at: z.iso.datetime({ offset: true }).nullish(),
});

export const DEFAULT_CONFIG: SimConfig = {
  latency_ms: 0,
  error_rate: 0,
  timeout_rate: 0,
  garbage_rate: 0,
  sales_per_minute: 0,
};

export interface SimStats {
  requests: number;
  answered: { ok: number; not_found: number; error: number; garbage: number; timeout: number; unauthorized: number };
  sold_by_simulation: number;
  known_simcards: number;
}

export class SimulatorState {
  config: SimConfig = { ...DEFAULT_CONFIG };
  readonly simcards = new Map<string, SimRecord>();
  /** ICCIDs asked about while inactive: the pool that simulated sales draw from. */
  readonly #saleCandidates = new Set<string>();
  #saleCredit = 0;
  stats: SimStats = emptyStats();

  lookup(iccid: string): SimRecord {
    const known = this.simcards.get(iccid);
    if (known) return known;
    this.#saleCandidates.add(iccid);
    return { status: 'inactive', msisdn: null, activatedAt: null };
  }

  set(iccid: string, record: SimRecord): void {
    this.simcards.set(iccid, record);
    if (record.status === 'inactive') this.#saleCandidates.add(iccid);
    else this.#saleCandidates.delete(iccid);
  }

  /** Called once a second: activates `sales_per_minute / 60` of the SIMs seen inactive, at random. */
  tickSales(now: Date = new Date()): string[] {
    this.#saleCredit += this.config.sales_per_minute / 60;
    const sold: string[] = [];
    while (this.#saleCredit >= 1 && this.#saleCandidates.size > 0) {
      this.#saleCredit -= 1;
      const iccid = pickRandom(this.#saleCandidates);
      const previous = this.simcards.get(iccid);
      this.set(iccid, { status: 'active', msisdn: previous?.msisdn ?? null, activatedAt: now.toISOString() });
      sold.push(iccid);
    }
    // Credit does not pile up while nobody is asking: a demo should not see a burst later.
    if (this.#saleCandidates.size === 0) this.#saleCredit = Math.min(this.#saleCredit, 1);
    this.stats.sold_by_simulation += sold.length;
    return sold;
  }

  snapshotStats(): SimStats {
    return { ...this.stats, answered: { ...this.stats.answered }, known_simcards: this.simcards.size };
  }

  reset(): void {
    this.config = { ...DEFAULT_CONFIG };
    this.simcards.clear();
    this.#saleCandidates.clear();
    this.#saleCredit = 0;
    this.stats = emptyStats();
  }
}

function emptyStats(): SimStats {
  return {
    requests: 0,
    answered: { ok: 0, not_found: 0, error: 0, garbage: 0, timeout: 0, unauthorized: 0 },
    sold_by_simulation: 0,
    known_simcards: 0,
  };
}

function pickRandom(set: Set<string>): string {
  // Sets have no random access; walking up to a random index is fine at demo rates.
  let index = Math.floor(Math.random() * set.size);
  for (const value of set) if (index-- === 0) return value;
  return set.values().next().value as string;
}
