/**
 * The provider contract over HTTP (docs/conventions.md#the-provider-contract): `GET {url}/simcards/{iccid}` with a bearer token.
 * Keep-alive pool bounded to the check concurrency; a deadline per attempt covering headers and
 * body (undici's own timeouts are idle timers of 300 s); a size cap on the body; redirects not
 * followed; bounded retries with jittered backoff on network errors, 5xx and 429 (honouring
 * Retry-After); a circuit breaker; every answer validated before it is believed.
 *
 * A 429 is the operator asking us to slow down, not failing: it never counts towards the
 * breaker, it halves the calls in flight (AdaptiveGate), and after the last retry it is
 * `provider_rate_limited`, which a run retries later instead of logging.
 */
import { errors as undiciErrors, Pool } from 'undici';
import { z } from 'zod';
import { AdaptiveGate } from './adaptive-gate.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { OperatorBudget, RateGate } from './operator-budget.js';
import { type ProviderAnswer, ProviderError, type ProviderFailure, type ProviderHealth, type StatusProvider } from './provider.js';
import { RateLimiter } from './rate-limiter.js';

export interface HttpProviderOptions {
  url: string;
  token: string;
  timeoutMs: number;
  connections: number;
  rateLimitPerSecond: number;
  /** Attempts after the first, for retryable failures. */
  retries?: number;
  /** Base of the exponential backoff. */
  backoffMs?: number;
  breaker?: { failureThreshold: number; openMs: number };
  /**
   * The operator's budget shared with the other workers on one PostgreSQL (issue 18): its rate
   * replaces the in-process limiter and its ceiling caps the calls in flight. Closed with the adapter.
   */
  budget?: OperatorBudget;
}

const MAX_BODY_BYTES = 64 * 1024;
const MAX_RETRY_AFTER_MS = 30_000;

const Answer = z.object({
  iccid: z.string(),
  status: z.enum(['inactive', 'active', 'blocked']),
  msisdn: z.string().max(32).nullish(),
  activated_at: z.iso.datetime({ offset: true }).nullish(),
});

class AttemptError extends Error {
  constructor(
    readonly failure: ProviderFailure,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

/** The abort of a call past its deadline (already reported as provider_timeout). */
class TimedOut extends Error {}
/** The abort of an answer over MAX_BODY_BYTES. */
class TooLarge extends Error {}

function retryAfterMs(value: string | undefined): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

export class HttpProvider implements StatusProvider {
  readonly #pool: Pool;
  readonly #base: URL;
  /** The operator's path prefix and the request headers: the same for every call, made once. */
  readonly #basePath: string;
  readonly #headers: Record<string, string>;
  readonly breaker: CircuitBreaker;
  readonly #limiter: RateGate;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #gate: AdaptiveGate;
  readonly health: ProviderHealth;

  constructor(private readonly options: HttpProviderOptions) {
    this.#base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    this.#basePath = this.#base.pathname;
    this.#headers = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
    this.#pool = new Pool(this.#base.origin, {
      connections: options.connections,
      keepAliveTimeout: 30_000,
      // Backstops only: each attempt has its own total deadline below.
      headersTimeout: options.timeoutMs + 1000,
      bodyTimeout: options.timeoutMs + 1000,
    });
    this.breaker = new CircuitBreaker(options.breaker ?? { failureThreshold: 5, openMs: 10_000 });
    this.#limiter = options.budget?.rate ?? new RateLimiter(options.rateLimitPerSecond);
    this.#retries = options.retries ?? 2;
    this.#backoffMs = options.backoffMs ?? 200;
    this.#gate = new AdaptiveGate(options.connections, options.budget?.ceiling ?? null);
    const breaker = this.breaker;
    this.health = {
      failingSince: () => breaker.failingSince,
      downSince: () => breaker.downSince,
      whenCallable: () => breaker.whenCallable(),
    };
  }

  async check(iccid: string): Promise<ProviderAnswer> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    for (let attempt = 0; ; attempt++) {
      if (!this.breaker.tryAcquire()) {
        throw new ProviderError('circuit_open', 'The operator is failing; checks are paused for a moment', elapsed());
      }
      let e: AttemptError;
      const entering = this.#gate.enter();
      if (entering) await entering;
      try {
        await this.#limiter.take();
        const answer = await this.#attempt(iccid);
        this.breaker.onSuccess();
        this.#gate.onAnswered();
        return { ...answer, responseMs: elapsed() };
      } catch (err) {
        e = err instanceof AttemptError ? err : new AttemptError('provider_error', String(err), false);
      } finally {
        this.#gate.leave();
      }
      if (e.failure === 'provider_rate_limited') {
        this.breaker.onNeutral();
        this.#gate.onRateLimited();
      } else {
        this.breaker.onFailure();
      }
      if (!e.retryable || attempt >= this.#retries) throw new ProviderError(e.failure, e.message, elapsed());
      const backoff = this.#backoffMs * 2 ** attempt * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, Math.min(e.retryAfterMs || backoff, MAX_RETRY_AFTER_MS)));
    }
  }

  async #attempt(iccid: string): Promise<Omit<ProviderAnswer, 'responseMs'>> {
    const path = `${this.#basePath}simcards/${encodeURIComponent(iccid)}`;
    const res = await this.#get(path);
    const status = res.statusCode;
    if (status === 404) return { status: 'not_found', msisdn: null, activatedAt: null };
    if (status === 429) {
      throw new AttemptError('provider_rate_limited', 'Operator answered 429 (too many requests)', true, retryAfterMs(res.retryAfter));
    }
    if (status >= 500) {
      throw new AttemptError('provider_error', `Operator answered ${status}`, true, retryAfterMs(res.retryAfter));
    }
    if (status !== 200) throw new AttemptError('provider_error', `Operator answered ${status}`, false);

    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new AttemptError('provider_bad_answer', 'Operator answered with invalid JSON', false);
    }
    const parsed = Answer.safeParse(json);
    if (!parsed.success || parsed.data.iccid !== iccid) {
      throw new AttemptError('provider_bad_answer', 'Operator answer does not follow the contract', false);
    }
    return { status: parsed.data.status, msisdn: parsed.data.msisdn ?? null, activatedAt: parsed.data.activated_at ?? null };
  }

  /**
   * One GET through the pool's raw dispatch: the answer collected into one string under the size
   * cap, within the attempt's deadline (headers and body). Not `pool.request`: its body stream,
   * async iterator and AbortSignal (a timer, an event listener and a finalizer a call) were about
   * a third of the client's share of a check run's profile (issue 14, check-run bench); what a
   * check needs of an answer is its status, Retry-After and up to 64 KB of body.
   */
  #get(path: string): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      this.#pool.dispatch({ method: 'GET', path, headers: this.#headers }, new GetHandler(this.options.timeoutMs, resolve, reject));
    });
  }

  async close(): Promise<void> {
    await this.#pool.close();
    await this.options.budget?.close();
  }
}

interface RawAnswer {
  statusCode: number;
  retryAfter: string | undefined;
  body: string;
}

/**
 * One GET's answer as undici hands it over (its dispatch handler), settled once: the answer, or
 * the AttemptError it amounts to. One object a call, its methods on the prototype (closures made
 * per call were a good part of the adapter's own CPU).
 */
class GetHandler {
  #abort: ((err: Error) => void) | null = null;
  #settled = false;
  #statusCode = 0;
  #retryAfter: string | undefined;
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number,
    private readonly resolve: (answer: RawAnswer) => void,
    private readonly reject: (err: AttemptError) => void,
  ) {
    // The deadline covers headers and body; while the call still waits for a connection it
    // fails at once, and the call is dropped when it gets one.
    this.#timer = setTimeout(() => this.#timedOut(), timeoutMs);
  }

  #timedOut(): void {
    const what = this.#statusCode === 0 ? 'No answer' : 'No complete answer';
    this.#fail(new AttemptError('provider_timeout', `${what} within ${this.timeoutMs} ms`, true));
    this.#abort?.(new TimedOut());
  }

  #fail(err: AttemptError): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.reject(err);
  }

  onConnect(abort: (err: Error) => void): void {
    if (this.#settled) abort(new TimedOut());
    else this.#abort = abort;
  }

  onHeaders(statusCode: number, raw: Buffer[] | null): boolean {
    this.#statusCode = statusCode;
    // Retry-After matters on a 429 or a 5xx only.
    if ((statusCode === 429 || statusCode >= 500) && raw) {
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (raw[i]!.length === 11 && raw[i]!.toString('latin1').toLowerCase() === 'retry-after') {
          this.#retryAfter = raw[i + 1]!.toString('latin1');
          break;
        }
      }
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#size += chunk.length;
    // Thrown here, undici aborts the call and reports it to onError.
    if (this.#size > MAX_BODY_BYTES) throw new TooLarge(`Operator answer is larger than ${MAX_BODY_BYTES} bytes`);
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    const chunks = this.#chunks;
    // An answer is one chunk, nearly always: decoded as it is.
    const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
    this.resolve({ statusCode: this.#statusCode, retryAfter: this.#retryAfter, body });
  }

  onError(err: Error): void {
    if (err instanceof TooLarge) return this.#fail(new AttemptError('provider_bad_answer', err.message, false));
    // Cut off while the body came: a bad answer, as a stream error reading it was.
    if (this.#statusCode !== 0) return this.#fail(new AttemptError('provider_bad_answer', err.message, false));
    const code = (err as { code?: string }).code ?? (err instanceof undiciErrors.UndiciError ? err.name : 'error');
    this.#fail(new AttemptError('provider_unavailable', `Cannot reach the operator (${code})`, true));
  }
}
