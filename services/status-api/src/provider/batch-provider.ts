/**
 * The `batch-v1` adapter (issue 15): a dealer gateway of the kind operators run, with a contract
 * unlike ours. `POST {url}/batch/status` with `X-Api-Key`, body `{"iccids": [...]}` (at most
 * `batchSize`), answers `{"items": [{"icc", "state", "phone", "activated"}]}` where `state` is the
 * gateway's own word and `activated` Unix seconds. Single checks are gathered into one call for a
 * few milliseconds (or until the batch is full), so a run's checks share the calls; the rate
 * limit, breaker and retries count calls, not SIMs.
 *
 * Its vocabulary is mapped onto ours (STATES); a word not in the table is an error for that SIM
 * with the raw value kept (UnknownProviderValue), never a guess.
 */
import { errors as undiciErrors, Pool } from 'undici';
import { CircuitBreaker } from './circuit-breaker.js';
import type { OperatorBudget, RateGate } from './operator-budget.js';
import {
  type ProviderAnswer,
  ProviderError,
  type ProviderFailure,
  type ProviderHealth,
  type ProviderStatus,
  type StatusProvider,
} from './provider.js';
import { RateLimiter } from './rate-limiter.js';

export interface BatchProviderOptions {
  url: string;
  token: string;
  timeoutMs: number;
  /** Calls in flight. */
  connections: number;
  rateLimitPerSecond: number;
  batchSize: number;
  /** How long a check waits for others to share its call. */
  lingerMs?: number;
  retries?: number;
  backoffMs?: number;
  breaker?: { failureThreshold: number; openMs: number };
  /** The operator's budget shared with the other workers (issue 18): calls, not SIMs, count. */
  budget?: OperatorBudget;
}

/** The gateway's words → ours. */
export const STATES: Readonly<Record<string, ProviderStatus>> = {
  ACTIVE: 'active',
  IN_USE: 'active',
  IDLE: 'inactive',
  NEW: 'inactive',
  PREACTIVE: 'inactive',
  SUSPENDED: 'blocked',
  BARRED: 'blocked',
  BLOCKED: 'blocked',
  UNKNOWN_ICC: 'not_found',
  NOT_FOUND: 'not_found',
};

/** A value the adapter does not know: the check fails, and the raw value is kept for a person. */
export class UnknownProviderValue extends ProviderError {
  constructor(
    readonly field: string,
    readonly raw: unknown,
    responseMs: number,
  ) {
    super('provider_bad_answer', `the operator's ${field} ${JSON.stringify(raw)?.slice(0, 80)} is not one this adapter knows`, responseMs);
  }
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

interface Waiter {
  iccid: string;
  started: number;
  resolve(answer: ProviderAnswer): void;
  reject(err: Error): void;
}

class CallError extends Error {
  constructor(
    readonly failure: ProviderFailure,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export class BatchProvider implements StatusProvider {
  readonly #pool: Pool;
  readonly #base: URL;
  readonly breaker: CircuitBreaker;
  readonly #limiter: RateGate;
  readonly health: ProviderHealth;
  #queue: Waiter[] = [];
  #timer: NodeJS.Timeout | null = null;
  #inFlight = 0;
  /** Batches ready while `connections` calls are in flight. */
  #ready: Waiter[][] = [];

  constructor(private readonly options: BatchProviderOptions) {
    this.#base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    this.#pool = new Pool(this.#base.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs + 1000,
      bodyTimeout: options.timeoutMs + 1000,
    });
    this.breaker = new CircuitBreaker(options.breaker ?? { failureThreshold: 5, openMs: 10_000 });
    this.#limiter = options.budget?.rate ?? new RateLimiter(options.rateLimitPerSecond);
    // This worker's share of the operator's concurrency: more batches may go once it grows.
    options.budget?.ceiling?.watchInFlight(() => this.#inFlight);
    options.budget?.ceiling?.onChange(() => this.#pump());
    const breaker = this.breaker;
    this.health = {
      failingSince: () => breaker.failingSince,
      downSince: () => breaker.downSince,
      whenCallable: () => breaker.whenCallable(),
    };
  }

  check(iccid: string): Promise<ProviderAnswer> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ iccid, started: performance.now(), resolve, reject });
      if (this.#queue.length >= this.options.batchSize) this.#cut();
      else this.#timer ??= setTimeout(() => this.#cut(), this.options.lingerMs ?? 5);
    });
  }

  #cut(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#queue.length > 0) this.#ready.push(this.#queue.splice(0, this.options.batchSize));
    this.#pump();
  }

  #pump(): void {
    const ceiling = this.options.budget?.ceiling;
    const allowed = ceiling ? Math.min(this.options.connections, ceiling.current()) : this.options.connections;
    while (this.#inFlight < allowed && this.#ready.length > 0) {
      const batch = this.#ready.shift()!;
      this.#inFlight++;
      void this.#send(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #send(batch: Waiter[]): Promise<void> {
    const retries = this.options.retries ?? 2;
    const fail = (failure: ProviderFailure, message: string) => {
      for (const w of batch) w.reject(new ProviderError(failure, message, Math.round(performance.now() - w.started)));
    };
    for (let attempt = 0; ; attempt++) {
      if (!this.breaker.tryAcquire()) return fail('circuit_open', 'The operator is failing; checks are paused for a moment');
      let error: CallError;
      try {
        await this.#limiter.take();
        const items = await this.#call(batch.map((w) => w.iccid));
        this.breaker.onSuccess();
        for (const w of batch) this.#answer(w, items.get(w.iccid));
        return;
      } catch (err) {
        error = err instanceof CallError ? err : new CallError('provider_error', String(err), false);
      }
      if (error.failure === 'provider_rate_limited') this.breaker.onNeutral();
      else this.breaker.onFailure();
      if (!error.retryable || attempt >= retries) return fail(error.failure, error.message);
      await new Promise((r) => setTimeout(r, (this.options.backoffMs ?? 200) * 2 ** attempt * (0.5 + Math.random())));
    }
  }

  #answer(w: Waiter, item: Record<string, unknown> | undefined): void {
    const ms = Math.round(performance.now() - w.started);
    if (!item) return w.reject(new ProviderError('provider_bad_answer', 'The operator’s batch answer left this ICCID out', ms));
    const state = typeof item.state === 'string' ? STATES[item.state.trim().toUpperCase()] : undefined;
    if (!state) return w.reject(new UnknownProviderValue('state', item.state, ms));
    let activatedAt: string | null = null;
    if (item.activated !== undefined && item.activated !== null) {
      if (typeof item.activated !== 'number' || !Number.isFinite(item.activated) || item.activated <= 0)
        return w.reject(new UnknownProviderValue('activation time', item.activated, ms));
      activatedAt = new Date(item.activated * 1000).toISOString();
    }
    let msisdn: string | null = null;
    if (typeof item.phone === 'string' && /^\+?998\d{9}$/.test(item.phone.trim())) msisdn = `+${item.phone.trim().replace(/^\+/, '')}`;
    w.resolve({ status: state, msisdn, activatedAt, responseMs: ms });
  }

  async #call(iccids: string[]): Promise<Map<string, Record<string, unknown>>> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.#pool.request({
        method: 'POST',
        path: new URL('batch/status', this.#base).pathname,
        headers: { 'x-api-key': this.options.token, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ iccids }),
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw new CallError('provider_timeout', `No answer within ${this.options.timeoutMs} ms`, true);
      const code = (err as { code?: string }).code ?? (err instanceof undiciErrors.UndiciError ? err.name : 'error');
      throw new CallError('provider_unavailable', `Cannot reach the operator (${code})`, true);
    }
    let text: string;
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) {
          res.body.destroy();
          throw new CallError('provider_bad_answer', `Operator answer is larger than ${MAX_BODY_BYTES} bytes`, false);
        }
        chunks.push(chunk as Buffer);
      }
      text = Buffer.concat(chunks).toString('utf8');
    } catch (err) {
      if (err instanceof CallError) throw err;
      if (signal.aborted) throw new CallError('provider_timeout', `No complete answer within ${this.options.timeoutMs} ms`, true);
      throw new CallError('provider_bad_answer', (err as Error).message, false);
    }
    if (res.statusCode === 429) throw new CallError('provider_rate_limited', 'Operator answered 429 (too many requests)', true);
    if (res.statusCode >= 500) throw new CallError('provider_error', `Operator answered ${res.statusCode}`, true);
    if (res.statusCode !== 200) throw new CallError('provider_error', `Operator answered ${res.statusCode}`, false);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CallError('provider_bad_answer', 'Operator answered with invalid JSON', false);
    }
    const items = (json as { items?: unknown }).items;
    if (!Array.isArray(items)) throw new CallError('provider_bad_answer', 'Operator answer has no items list', false);
    const byIccid = new Map<string, Record<string, unknown>>();
    for (const item of items) {
      if (item && typeof item === 'object' && typeof (item as { icc?: unknown }).icc === 'string')
        byIccid.set((item as { icc: string }).icc, item as Record<string, unknown>);
    }
    return byIccid;
  }

  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const w of this.#queue) w.reject(new ProviderError('provider_unavailable', 'The provider is closing', 0));
    this.#queue = [];
    await this.#pool.close();
    await this.options.budget?.close();
  }
}
