/** The circuit breaker's states on a clock the test moves: no timers, no operator. */
import { CircuitBreaker } from './circuit-breaker.js';

function breaker(failureThreshold = 3, openMs = 10_000) {
  const clock = { now: 1_000_000 };
  const b = new CircuitBreaker({ failureThreshold, openMs, now: () => clock.now });
  return { b, clock };
}

test('closed: calls pass; failures short of the threshold, or broken by a success, never open it', () => {
  const { b } = breaker(3);
  b.onFailure();
  b.onFailure();
  b.onSuccess();
  b.onFailure();
  b.onFailure();
  expect(b.state).toBe('closed');
  expect(b.tryAcquire()).toBe(true);
  expect(b.downSince).toBeNull();
});

test('the threshold of failures in a row opens it: calls are refused until the open period ends', () => {
  const { b, clock } = breaker(3, 10_000);
  for (let i = 0; i < 3; i++) b.onFailure();
  expect(b.state).toBe('open');
  expect(b.tryAcquire()).toBe(false);
  clock.now += 9_999;
  expect(b.tryAcquire()).toBe(false);
  clock.now += 1;
  expect(b.state).toBe('half_open');
});

test('half-open lets one probe through at a time; its success closes the breaker', () => {
  const { b, clock } = breaker(1, 5_000);
  b.onFailure();
  clock.now += 5_000;
  expect(b.tryAcquire()).toBe(true);
  expect(b.tryAcquire()).toBe(false);
  b.onSuccess();
  expect(b.state).toBe('closed');
  expect(b.tryAcquire()).toBe(true);
  expect(b.failingSince).toBeNull();
  expect(b.downSince).toBeNull();
});

test("a failed probe opens it again for a full period; the outage's start is kept", () => {
  const { b, clock } = breaker(2, 5_000);
  const start = clock.now;
  b.onFailure();
  clock.now += 100;
  b.onFailure();
  expect(b.failingSince).toBe(start);
  expect(b.downSince).toBe(start + 100);
  clock.now += 5_000;
  expect(b.tryAcquire()).toBe(true);
  b.onFailure();
  expect(b.state).toBe('open');
  clock.now += 4_999;
  expect(b.state).toBe('open');
  expect(b.failingSince).toBe(start);
  expect(b.downSince).toBe(start + 100);
});

test('a neutral answer frees the probe slot without deciding', () => {
  const { b, clock } = breaker(1, 1_000);
  b.onFailure();
  clock.now += 1_000;
  expect(b.tryAcquire()).toBe(true);
  b.onNeutral();
  expect(b.state).toBe('half_open');
  expect(b.tryAcquire()).toBe(true);
});

test('whenCallable resolves at once while closed, and for waiters once the probe decides', async () => {
  const { b, clock } = breaker(1, 1_000);
  await b.whenCallable();
  b.onFailure();
  clock.now += 1_000;
  expect(b.tryAcquire()).toBe(true);
  let woke = false;
  const waiting = b.whenCallable().then(() => (woke = true));
  await Promise.resolve();
  expect(woke).toBe(false);
  b.onSuccess();
  await waiting;
  expect(woke).toBe(true);
});

test('reset closes it and forgets the failures', () => {
  const { b } = breaker(2);
  b.onFailure();
  b.onFailure();
  b.reset();
  expect(b.state).toBe('closed');
  b.onFailure();
  expect(b.state).toBe('closed');
});
