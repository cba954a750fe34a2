/**
 * Rate limits, in memory per process, or shared by every instance in PostgreSQL when given a
 * store (rate-limit-store.ts; the main API does on PostgreSQL, so the figures are the cluster's).
 * Fixed windows: a counter per client that starts at its first
 * request and resets `windowSeconds` later, so `Retry-After` is exact; a client can at most
 * burst twice the limit across a window boundary, which is acceptable for these guards.
 *
 * - anonymous requests (no credentials) per client IP (`ctx.ip`, see client-ip.ts);
 * - anonymous `/health` and `/metrics` in a bucket of their own, generous enough for a monitor
 *   polling every 250 ms; from loopback, or with credentials, never limited;
 * - signed-in requests per user, and per API key (checked right after authentication);
 * - sign-in attempts: see `loginGuard`.
 *
 * Answers carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds) and
 * `RateLimit-Policy`; a 429 also `Retry-After` (whole seconds, never 0).
 */
import { isIP } from 'node:net';
import type { Middleware } from 'koa';
import type { RateLimitConfig, RateLimitRule } from '../config.js';
import { HttpError } from '../errors.js';
import type { AppState } from './api-router.js';
import type { RateLimitStore } from './rate-limit-store.js';

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
  readonly #shared: { store: RateLimitStore; name: string } | undefined;
  #nextSweep = 0;

  constructor(
    readonly rule: RateLimitRule,
    options: { now?: () => number; maxKeys?: number; store?: RateLimitStore; name?: string } = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.#shared = options.store ? { store: options.store, name: options.name ?? 'limit' } : undefined;
  }

  /**
   * `hit`, counted in the shared store when there is one (every instance's requests in one
   * window). The store unreachable: counted here instead (the database being down fails the
   * request anyway; a limit must not be the reason).
   */
  async hitShared(key: string): Promise<LimitDecision> {
    if (!this.#shared) return this.hit(key);
    try {
      const w = await this.#shared.store.hit(`${this.#shared.name}:${key}`, this.rule.windowSeconds);
      return {
        allowed: w.count <= this.rule.max,
        limit: this.rule.max,
        remaining: Math.max(0, this.rule.max - w.count),
        resetSeconds: Math.max(1, Math.ceil(w.resetInMs / 1000)),
        windowSeconds: this.rule.windowSeconds,
      };
    } catch {
      return this.hit(key);
    }
  }

  async unhitShared(key: string): Promise<void> {
    if (!this.#shared) return this.unhit(key);
    await this.#shared.store.unhit(`${this.#shared.name}:${key}`).catch(() => this.unhit(key));
  }

  async resetShared(key: string): Promise<void> {
    this.reset(key);
    if (this.#shared) await this.#shared.store.reset(`${this.#shared.name}:${key}`).catch(() => undefined);
  }

  get enabled(): boolean {
    return this.rule.max > 0;
  }

  /** Whether the windows are counted in a shared store (hitShared then answers later). */
  get shared(): boolean {
    return this.#shared !== undefined;
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

  /** Takes back one request of `key` counted by `hit` (an attempt that turned out not to count). */
  unhit(key: string): void {
    const bucket = this.#current(key, false);
    if (bucket && bucket.count > 0) bucket.count--;
  }

  /** Whether `key` could make one more request, without counting it. */
  peek(key: string): LimitDecision {
    const bucket = this.#current(key, false);
    if (!bucket)
      return {
        allowed: true,
        limit: this.rule.max,
        remaining: this.rule.max,
        resetSeconds: this.rule.windowSeconds,
        windowSeconds: this.rule.windowSeconds,
      };
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

export type LimitName = 'anonymous' | 'health' | 'user' | 'api_key' | 'login';

/** Monitoring paths: never limited from loopback or with credentials; anonymous ones in their own bucket. */
const MONITORING_PATH = /^\/(health|metrics)(\/|$)/;

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.replace(/^::ffff:/i, '');
  return address === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

/**
 * Over its per-username budget, a sign-in from an address that never signed in as that user
 * waits its turn in this lane: one attempt per username at a time, this far apart.
 */
const SLOW_LANE_SPACING_MS = 1000;
/** Attempts waiting in one username's slow lane; more are refused (429) until it drains. */
const SLOW_LANE_MAX_WAITING = 30;
/** Addresses remembered per user as "signed in from here before", and for how long. */
const KNOWN_ADDRESSES_PER_USER = 20;
const KNOWN_ADDRESS_DAYS = 30;
/** Users whose known addresses are remembered; past that the oldest are forgotten. */
const KNOWN_USERS_MAX = 100_000;

export class RateLimits {
  readonly anonymousLimiter: FixedWindowLimiter;
  readonly userLimiter: FixedWindowLimiter;
  readonly apiKeyLimiter: FixedWindowLimiter;
  readonly loginLimiters: { userIp: FixedWindowLimiter; user: FixedWindowLimiter; ip: FixedWindowLimiter };
  readonly healthLimiter: FixedWindowLimiter;
  /** username → (address → when it last signed in from there). */
  readonly #knownAddresses = new Map<string, Map<string, number>>();
  /** username → when its slow lane is free again, and how many wait in it. */
  readonly #slowLanes = new Map<string, { freeAt: number; waiting: number }>();
  readonly #now: () => number;

  constructor(
    config: RateLimitConfig,
    /** Told of every refusal (the metrics count them). */
    private readonly onRejected: (limit: LimitName) => void = () => {},
    now?: () => number,
    /**
     * Where the windows are counted when several instances share the limits (PostgreSQL,
     * rate-limit-store.ts); without it, in this process. The per-user memory of known sign-in
     * addresses and the slow lane stay per instance.
     */
    store?: RateLimitStore,
  ) {
    this.#now = now ?? Date.now;
    const make = (rule: RateLimitRule, name: string) => new FixedWindowLimiter(rule, { now, ...(store ? { store, name } : {}) });
    this.healthLimiter = make(config.health, 'health');
    this.anonymousLimiter = make(config.anonymous, 'anon');
    this.userLimiter = make(config.user, 'user');
    this.apiKeyLimiter = make(config.apiKey, 'key');
    this.loginLimiters = {
      userIp: make(config.loginUserIp, 'login-user-ip'),
      user: make(config.loginUser, 'login-user'),
      ip: make(config.loginIp, 'login-ip'),
    };
  }

  /**
   * Requests without credentials, per client IP (ones with credentials are limited per principal).
   * Not async for those with credentials: they only pass through (an async layer is a promise each).
   */
  anonymous(): Middleware {
    const limit: Middleware = async (ctx, next) => {
      if (MONITORING_PATH.test(ctx.path)) {
        // A monitor must never be told 429 by the limit that guards the API itself.
        if (!isLoopbackAddress(ctx.ip))
          await this.#enforce(this.healthLimiter, `ip:${ctx.ip}`, 'health', 'Too many health checks from this address', ctx.set.bind(ctx));
        return next();
      }
      if (!this.anonymousLimiter.enabled) return next();
      await this.#enforce(this.anonymousLimiter, `ip:${ctx.ip}`, 'anonymous', 'Too many requests from this address', ctx.set.bind(ctx));
      await next();
    };
    return (ctx, next) => (ctx.get('authorization') || ctx.get('x-api-key') ? next() : limit(ctx, next));
  }

  /**
   * Wraps the authentication middleware: once the principal is known, its own limit applies.
   * Counted in this process (no shared store), the limit is decided without a promise: this runs
   * on every signed-in request.
   */
  principal(authenticate: Middleware<AppState>): Middleware<AppState> {
    return (ctx, next) =>
      authenticate(ctx, () => {
        const principal = ctx.state.principal!;
        let enforced: Promise<void> | void = undefined;
        if (principal.apiKey) {
          enforced = this.#enforce(
            this.apiKeyLimiter,
            `key:${principal.apiKey.id}`,
            'api_key',
            'Too many requests with this API key',
            ctx.set.bind(ctx),
          );
        } else if (principal.userId > 0) {
          enforced = this.#enforce(
            this.userLimiter,
            `user:${principal.userId}`,
            'user',
            'Too many requests from this user',
            ctx.set.bind(ctx),
          );
        }
        return enforced ? enforced.then(() => next()) : next();
      });
  }

  /**
   * The sign-in endpoint's brute-force guard, in its own middleware list (after the body parser,
   * before validation). The rule:
   *
   * - Every attempt is counted BEFORE its password is checked, synchronously (no await between
   *   the check and the count), so racing guesses are each counted: 60 at once against a limit
   *   of 10 get 10 checks and 50 refusals. An attempt that turns out not to be a failure (a
   *   success, or an error that is not a 401) is taken back.
   * - Per username+address (LOGIN_LIMIT_USER_IP, 10/15 min) and per address (LOGIN_LIMIT_IP,
   *   100/15 min): over the limit → 429 with Retry-After. They hold back the attacker's address
   *   only; a success clears the username+address counter.
   * - Per username (LOGIN_LIMIT_USER, 50/15 min): counts only failures from addresses that never
   *   signed in as that user, and never refuses: over the budget, attempts from such addresses
   *   are slowed (one at a time per username, a second apart; when 30 already wait, 429). An
   *   address that signed in as the user before (within 30 days) is never slowed or refused by
   *   this rule, so an attacker spread over many addresses cannot lock the owner out.
   *
   * A body without a username string is let through to validation (a 400, which counts against nothing).
   */
  loginGuard(): Middleware {
    return async (ctx, next) => {
      const body = (ctx.request as { body?: unknown }).body as { username?: unknown } | undefined;
      if (typeof body?.username !== 'string') return next();
      const username = body.username.trim().toLowerCase();
      const address = ctx.ip;
      const { userIp, user, ip } = this.loginLimiters;
      const counted: [FixedWindowLimiter, string][] = [];
      // Shared (several instances): each count is one atomic increment in the store, so racing
      // guesses are still each counted; the check is on the count that increment answered.
      const count = async (limiter: FixedWindowLimiter, key: string): Promise<LimitDecision | undefined> => {
        if (!limiter.enabled) return undefined;
        counted.push([limiter, key]);
        return limiter.hitShared(key);
      };
      const takeBack = async () => {
        for (const [limiter, key] of counted) await limiter.unhitShared(key);
      };
      const known = this.#isKnownAddress(username, address);
      const refusals = (await Promise.all([count(userIp, `${username}|${address}`), count(ip, address)])).filter(
        (d): d is LimitDecision => d !== undefined && !d.allowed,
      );
      const overUserBudget = !known && (await count(user, username))?.allowed === false;
      if (refusals.length) {
        await takeBack(); // a refused attempt checked nothing
        this.onRejected('login');
        throw new TooManyRequestsError('Too many failed sign-in attempts', refusals.sort((a, b) => b.resetSeconds - a.resetSeconds)[0]!);
      }
      if (overUserBudget) {
        try {
          await this.#slowLane(username);
        } catch (err) {
          await takeBack();
          this.onRejected('login');
          throw err;
        }
      }
      try {
        await next();
      } catch (err) {
        if (!(err instanceof HttpError && err.status === 401)) await takeBack();
        throw err;
      }
      if (ctx.status === 200) {
        await takeBack();
        await userIp.resetShared(`${username}|${address}`);
        this.#rememberAddress(username, address);
      }
    };
  }

  #isKnownAddress(username: string, address: string): boolean {
    const seen = this.#knownAddresses.get(username)?.get(address);
    return seen !== undefined && this.#now() - seen < KNOWN_ADDRESS_DAYS * 86_400_000;
  }

  #rememberAddress(username: string, address: string): void {
    let addresses = this.#knownAddresses.get(username);
    if (!addresses) {
      if (this.#knownAddresses.size >= KNOWN_USERS_MAX) this.#knownAddresses.delete(this.#knownAddresses.keys().next().value!);
      addresses = new Map();
      this.#knownAddresses.set(username, addresses);
    }
    addresses.delete(address); // re-inserted last: the Map's order is "least recently used first"
    addresses.set(address, this.#now());
    if (addresses.size > KNOWN_ADDRESSES_PER_USER) addresses.delete(addresses.keys().next().value!);
  }

  /** Waits for this username's turn: one slowed attempt per SLOW_LANE_SPACING_MS. */
  async #slowLane(username: string): Promise<void> {
    const now = this.#now();
    let lane = this.#slowLanes.get(username);
    if (!lane) {
      lane = { freeAt: now, waiting: 0 };
      this.#slowLanes.set(username, lane);
    }
    if (lane.waiting >= SLOW_LANE_MAX_WAITING) {
      const wait = Math.max(1, Math.ceil((lane.freeAt - now) / 1000));
      throw new TooManyRequestsError('Too many sign-in attempts for this user right now', {
        allowed: false,
        limit: SLOW_LANE_MAX_WAITING,
        remaining: 0,
        resetSeconds: wait,
        windowSeconds: wait,
      });
    }
    const startAt = Math.max(now, lane.freeAt);
    lane.freeAt = startAt + SLOW_LANE_SPACING_MS;
    lane.waiting++;
    try {
      await new Promise((resolve) => setTimeout(resolve, startAt + SLOW_LANE_SPACING_MS - now));
    } finally {
      lane.waiting--;
      if (lane.waiting === 0 && lane.freeAt <= this.#now()) this.#slowLanes.delete(username);
    }
  }

  /** Counts one request of `key`; over the limit, throws TooManyRequestsError. A promise only when counted in a shared store. */
  #enforce(
    limiter: FixedWindowLimiter,
    key: string,
    name: LimitName,
    message: string,
    set: (headers: Record<string, string>) => void,
  ): Promise<void> | void {
    if (!limiter.enabled) return;
    const apply = (decision: LimitDecision): void => {
      set(rateLimitHeaders(decision));
      if (!decision.allowed) {
        this.onRejected(name);
        throw new TooManyRequestsError(message, decision);
      }
    };
    if (!limiter.shared) return apply(limiter.hit(key));
    return limiter.hitShared(key).then(apply);
  }
}
