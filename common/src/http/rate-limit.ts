/**
 * Rate limits, in memory and per process (several instances each count on their own: the
 * figures are per instance). Fixed windows: a counter per client that starts at its first
 * request and resets `windowSeconds` later, so `Retry-After` is exact; a client can at most
 * burst twice the limit across a window boundary, which is acceptable for these guards.
 *
 * - anonymous requests (no credentials) per client IP;
 * - signed-in requests per user, and per API key (checked right after authentication);
 * - failed sign-ins per username+IP, per username and per IP: only failures count, a success
 *   clears the username+IP counter, and every counter resets on time, so an attacker can slow
 *   an account down for one window but never lock its owner out for good.
 *
 * Answers carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds) and
 * `RateLimit-Policy`; a 429 also `Retry-After` (whole seconds, never 0).
 */
import type { Middleware } from 'koa';
import type { RateLimitConfig, RateLimitRule } from '../config.js';
import { HttpError } from '../errors.js';
import type { AppState } from './api-router.js';

export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetSeconds: number;
  windowSeconds: number;
}

interface Bucket {
  count: number;
  resetAt: number;
}

/** Most clients a limiter remembers; past that the oldest are forgotten (memory stays bounded). */
const DEFAULT_MAX_KEYS = 100_000;

export class FixedWindowLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  readonly #maxKeys: number;
  #nextSweep = 0;

  constructor(
    readonly rule: RateLimitRule,
    options: { now?: () => number; maxKeys?: number } = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  get enabled(): boolean {
    return this.rule.max > 0;
  }

  /** How many clients are remembered (for tests and the metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Counts one request of `key` and answers whether it is within the limit. */
  hit(key: string): LimitDecision {
    const bucket = this.#current(key, true)!;
    bucket.count++;
    return this.#decision(bucket);
  }

  /** Whether `key` could make one more request, without counting it. */
  peek(key: string): LimitDecision {
    const bucket = this.#current(key, false);
    if (!bucket) return { allowed: true, limit: this.rule.max, remaining: this.rule.max, resetSeconds: this.rule.windowSeconds, windowSeconds: this.rule.windowSeconds };
    const decision = this.#decision({ ...bucket, count: bucket.count + 1 });
    return { ...decision, remaining: Math.max(0, this.rule.max - bucket.count) };
  }

  reset(key: string): void {
    this.#buckets.delete(key);
  }

  #decision(bucket: Bucket): LimitDecision {
    return {
      allowed: bucket.count <= this.rule.max,
      limit: this.rule.max,
      remaining: Math.max(0, this.rule.max - bucket.count),
      resetSeconds: Math.max(1, Math.ceil((bucket.resetAt - this.#now()) / 1000)),
      windowSeconds: this.rule.windowSeconds,
    };
  }

  #current(key: string, create: boolean): Bucket | undefined {
    const now = this.#now();
    this.#sweep(now);
    const existing = this.#buckets.get(key);
    if (existing && existing.resetAt > now) return existing;
    if (existing) this.#buckets.delete(key);
    if (!create) return undefined;
    if (this.#buckets.size >= this.#maxKeys) this.#evictOldest();
    const bucket = { count: 0, resetAt: now + this.rule.windowSeconds * 1000 };
    this.#buckets.set(key, bucket);
    return bucket;
  }

  /**
   * Full: forget the tenth of clients whose windows started longest ago (a Map keeps insertion
   * order). In one batch, so a flood of new addresses costs amortized O(1) per request: evicting
   * one at a time would walk the Map's deleted slots again on each eviction.
   */
  #evictOldest(): void {
    let n = Math.max(1, Math.floor(this.#maxKeys / 10));
    for (const key of this.#buckets.keys()) {
      this.#buckets.delete(key);
      if (--n === 0) break;
    }
  }

  /** Expired windows are dropped once per window length (O(clients), amortized over the window). */
  #sweep(now: number): void {
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + this.rule.windowSeconds * 1000;
    for (const [key, bucket] of this.#buckets) if (bucket.resetAt <= now) this.#buckets.delete(key);
  }
}

export function rateLimitHeaders(d: LimitDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(d.limit),
    'RateLimit-Remaining': String(d.remaining),
    'RateLimit-Reset': String(d.resetSeconds),
    'RateLimit-Policy': `${d.limit};w=${d.windowSeconds}`,
  };
}

export class TooManyRequestsError extends HttpError {
  constructor(message: string, decision: LimitDecision) {
    super(429, 'rate_limited', `${message}; try again in ${decision.resetSeconds} s`, undefined, {
      ...rateLimitHeaders(decision),
      'Retry-After': String(decision.resetSeconds),
    });
  }
}

export type LimitName = 'anonymous' | 'user' | 'api_key' | 'login';

export class RateLimits {
  readonly anonymousLimiter: FixedWindowLimiter;
  readonly userLimiter: FixedWindowLimiter;
  readonly apiKeyLimiter: FixedWindowLimiter;
  readonly loginLimiters: { userIp: FixedWindowLimiter; user: FixedWindowLimiter; ip: FixedWindowLimiter };

  constructor(
    config: RateLimitConfig,
    /** Told of every refusal (the metrics count them). */
    private readonly onRejected: (limit: LimitName) => void = () => {},
    now?: () => number,
  ) {
    const make = (rule: RateLimitRule) => new FixedWindowLimiter(rule, { now });
    this.anonymousLimiter = make(config.anonymous);
    this.userLimiter = make(config.user);
    this.apiKeyLimiter = make(config.apiKey);
    this.loginLimiters = { userIp: make(config.loginUserIp), user: make(config.loginUser), ip: make(config.loginIp) };
  }

  /** Requests without credentials, per client IP (ones with credentials are limited per principal). */
  anonymous(): Middleware {
    return async (ctx, next) => {
      if (!this.anonymousLimiter.enabled || ctx.get('authorization') || ctx.get('x-api-key')) return next();
      this.#enforce(this.anonymousLimiter, `ip:${ctx.ip}`, 'anonymous', 'Too many requests from this address', ctx.set.bind(ctx));
      await next();
    };
  }

  /** Wraps the authentication middleware: once the principal is known, its own limit applies. */
  principal(authenticate: Middleware<AppState>): Middleware<AppState> {
    return (ctx, next) =>
      authenticate(ctx, async () => {
        const principal = ctx.state.principal!;
        if (principal.apiKey) {
          this.#enforce(this.apiKeyLimiter, `key:${principal.apiKey.id}`, 'api_key', 'Too many requests with this API key', ctx.set.bind(ctx));
        } else if (principal.userId > 0) {
          this.#enforce(this.userLimiter, `user:${principal.userId}`, 'user', 'Too many requests from this user', ctx.set.bind(ctx));
        }
        await next();
      });
  }

  /**
   * The sign-in endpoint's brute-force guard, in its own middleware list (after the body parser,
   * before validation): refused while any of its counters is spent; a 401 from the sign-in
   * counts against all three; a success clears the username+IP counter. A body without a
   * username string is let through to validation (a 400, which counts against nothing).
   */
  loginGuard(): Middleware {
    return async (ctx, next) => {
      const body = (ctx.request as { body?: unknown }).body as { username?: unknown } | undefined;
      if (typeof body?.username !== 'string') return next();
      const username = body.username.trim().toLowerCase();
      const keys = { userIp: `${username}|${ctx.ip}`, user: username, ip: ctx.ip } as const;
      const { userIp, user, ip } = this.loginLimiters;
      const spent = [userIp.enabled && userIp.peek(keys.userIp), user.enabled && user.peek(keys.user), ip.enabled && ip.peek(keys.ip)]
        .filter((d): d is LimitDecision => d !== false && !d.allowed)
        .sort((a, b) => b.resetSeconds - a.resetSeconds)[0];
      if (spent) {
        this.onRejected('login');
        throw new TooManyRequestsError('Too many failed sign-in attempts', spent);
      }
      try {
        await next();
      } catch (err) {
        if (err instanceof HttpError && err.status === 401) {
          for (const [name, limiter] of Object.entries(this.loginLimiters)) if (limiter.enabled) limiter.hit(keys[name as keyof typeof keys]);
        }
        throw err;
      }
      if (ctx.status === 200) userIp.reset(keys.userIp);
    };
  }

  #enforce(limiter: FixedWindowLimiter, key: string, name: LimitName, message: string, set: (headers: Record<string, string>) => void): void {
    if (!limiter.enabled) return;
    const decision = limiter.hit(key);
    set(rateLimitHeaders(decision));
    if (!decision.allowed) {
      this.onRejected(name);
      throw new TooManyRequestsError(message, decision);
    }
  }
}
