import { loadConfig } from '../config.js';
import { FixedWindowLimiter } from './rate-limit.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('FixedWindowLimiter', () => {
  test('allows max requests per window, then refuses until the window resets', () => {
    const c = clock();
    const limiter = new FixedWindowLimiter({ max: 3, windowSeconds: 60 }, { now: c.now });
    expect([1, 2, 3].map(() => limiter.hit('a').allowed)).toEqual([true, true, true]);
    const refused = limiter.hit('a');
    expect(refused).toMatchObject({ allowed: false, remaining: 0, resetSeconds: 60 });
    c.advance(59_500);
    expect(limiter.hit('a')).toMatchObject({ allowed: false, resetSeconds: 1 });
    c.advance(500);
    expect(limiter.hit('a')).toMatchObject({ allowed: true, remaining: 2 });
  });

  test('the reset time is whole seconds and never 0', () => {
    const c = clock();
    const limiter = new FixedWindowLimiter({ max: 1, windowSeconds: 2 }, { now: c.now });
    limiter.hit('a');
    c.advance(1999);
    expect(limiter.hit('a').resetSeconds).toBe(1);
  });

  test('clients are counted apart', () => {
    const limiter = new FixedWindowLimiter({ max: 1, windowSeconds: 60 });
    expect(limiter.hit('a').allowed).toBe(true);
    expect(limiter.hit('b').allowed).toBe(true);
    expect(limiter.hit('a').allowed).toBe(false);
  });

  test('peek does not count', () => {
    const limiter = new FixedWindowLimiter({ max: 1, windowSeconds: 60 });
    expect(limiter.peek('a').allowed).toBe(true);
    expect(limiter.peek('a').allowed).toBe(true);
    limiter.hit('a');
    expect(limiter.peek('a').allowed).toBe(false);
  });

  test('memory stays bounded with a million different clients', () => {
    const c = clock();
    const limiter = new FixedWindowLimiter({ max: 10, windowSeconds: 60 }, { now: c.now, maxKeys: 10_000 });
    for (let i = 0; i < 1_000_000; i++) limiter.hit(`ip${i}`);
    expect(limiter.size).toBeLessThanOrEqual(10_000);
  });

  test('expired windows are swept', () => {
    const c = clock();
    const limiter = new FixedWindowLimiter({ max: 10, windowSeconds: 1 }, { now: c.now });
    for (let i = 0; i < 100; i++) limiter.hit(`ip${i}`);
    c.advance(1500);
    limiter.hit('new');
    expect(limiter.size).toBe(1);
  });
});

describe('rate limit configuration', () => {
  test('defaults follow the seed figures and are generous per user', () => {
    const { limits } = loadConfig({});
    expect(limits.anonymous).toEqual({ max: 100, windowSeconds: 60 });
    expect(limits.apiKey).toEqual({ max: 1000, windowSeconds: 3600 });
    expect(limits.user.max / limits.user.windowSeconds).toBeGreaterThanOrEqual(10);
    expect(limits.loginUserIp).toEqual({ max: 10, windowSeconds: 900 });
    expect(limits.loginUser.max).toBeGreaterThan(limits.loginUserIp.max);
  });

  test('N/SECONDS sets a limit, 0 turns it off, anything else stops start-up naming the variable', () => {
    expect(loadConfig({ RATE_LIMIT_ANON: '5/2' }).limits.anonymous).toEqual({ max: 5, windowSeconds: 2 });
    expect(loadConfig({ RATE_LIMIT_ANON: '0' }).limits.anonymous.max).toBe(0);
    expect(() => loadConfig({ RATE_LIMIT_USER: 'lots' })).toThrow(/^RATE_LIMIT_USER: must be N\/SECONDS/);
  });

  test('CORS_ORIGINS is a comma-separated list of origins; a bad one stops start-up', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example/' }).http.corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(loadConfig({}).http.corsOrigins).toEqual([]);
    expect(() => loadConfig({ CORS_ORIGINS: 'not a url' })).toThrow(/^CORS_ORIGINS/);
  });
});
