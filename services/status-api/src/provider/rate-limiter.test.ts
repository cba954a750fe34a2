/**
 * The rate limiter's slots, on jest's fake clock (which drives Date.now and timers): callers go
 * at the numbered slots of each second, 1/rate apart, never more than the rate in a second of
 * the clock, whatever their concurrency.
 */
import { jest } from '@jest/globals';
import { MemorySlots, RateLimiter } from './rate-limiter.js';

/** A whole second of the clock. */
const T0 = Date.UTC(2026, 11, 3, 12, 0, 0);

beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(T0);
});
afterEach(() => jest.useRealTimers());

/** Starts `n` concurrent takes; each one's time (ms after T0) once let through. */
function takeAll(limiter: RateLimiter, n: number): { times: number[]; all: Promise<unknown> } {
  const times: number[] = [];
  const all = Promise.all(Array.from({ length: n }, (_, i) => limiter.take().then(() => (times[i] = Date.now() - T0))));
  return { times, all };
}

test('concurrent callers go at the slots of the second, spread over its first 800 ms: 10 per second → one each 80 ms', async () => {
  const { times, all } = takeAll(new RateLimiter(10), 5);
  await jest.advanceTimersByTimeAsync(1_000);
  await all;
  expect(times).toEqual([0, 80, 160, 240, 320]);
});

test('no second of the clock holds more than the rate, starting mid-second', async () => {
  jest.setSystemTime(T0 + 350);
  const rate = 4;
  const { times, all } = takeAll(new RateLimiter(rate), 12);
  await jest.advanceTimersByTimeAsync(6_000);
  await all;
  expect(times).toHaveLength(12);
  // The slots of the first second already past (0 and 200 ms) are not used: 400 and 600 are.
  expect(times.slice(0, 2)).toEqual([400, 600]);
  const perSecond = new Map<number, number>();
  for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  for (const count of perSecond.values()) expect(count).toBeLessThanOrEqual(rate);
});

test('after a quiet spell the next caller goes at the next slot (unused slots are not saved up)', async () => {
  const limiter = new RateLimiter(2);
  const first = takeAll(limiter, 2);
  await jest.advanceTimersByTimeAsync(600);
  await first.all;
  expect(first.times).toEqual([0, 400]);
  await jest.advanceTimersByTimeAsync(9_400);
  const later = takeAll(limiter, 3);
  await jest.advanceTimersByTimeAsync(2_000);
  await later.all;
  expect(later.times).toEqual([10_000, 10_400, 11_000]);
});

test('a rate under 1 is one call per 1/rate seconds', async () => {
  const { times, all } = takeAll(new RateLimiter(0.5), 3);
  await jest.advanceTimersByTimeAsync(6_000);
  await all;
  expect(times).toEqual([0, 2_000, 4_000]);
});

test('a rate of 0 means no limit', async () => {
  const { times, all } = takeAll(new RateLimiter(0), 20);
  await all;
  expect(new Set(times)).toEqual(new Set([0]));
});

test('memory slots never grant a period more than its capacity, nor one slot twice, nor a slot already past', async () => {
  jest.setSystemTime(T0 + 420);
  const slots = new MemorySlots();
  const grants = await Promise.all(
    Array.from({ length: 10 }, () =>
      slots.reserve({ nowMs: Date.now(), periodMs: 1000, spanMs: 800, capacity: 20, want: 3, minBucket: 0 }),
    ),
  );
  const taken = grants.flatMap((g) => Array.from({ length: g.granted }, (_, i) => g.first + i));
  expect(new Set(taken).size).toBe(taken.length);
  // 420 ms in, slots 40 ms apart: slots 11 (440 ms) to 19 are left.
  expect(Math.min(...taken)).toBe(11);
  expect(taken).toHaveLength(9);
  const next = await slots.reserve({ nowMs: Date.now(), periodMs: 1000, spanMs: 800, capacity: 20, want: 3, minBucket: T0 / 1000 + 1 });
  expect(next).toMatchObject({ bucket: T0 / 1000 + 1, first: 0, granted: 3 });
});
