/**
 * Password hashing with node:crypto scrypt. The stored string carries its parameters
 * (`scrypt$log2N$r$p$salt$hash`), so raising the cost later does not break old hashes.
 *
 * Hashes wait in one bounded queue, a few at a time (`configurePasswordHashing`): async scrypt
 * runs on libuv's thread pool (4 threads by default), which the SQLite driver shares, so 40
 * sign-ins at once used to take every thread and stall every other request for seconds.
 */
import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from 'node:crypto';
import { HttpError } from '../errors.js';

const KEY_LENGTH = 32;
const R = 8;
const P = 1;

/** Hashes computed at once and hashes allowed to wait; set once at start (PASSWORD_HASH_CONCURRENCY). */
const queue = { concurrency: 2, maxWaiting: 1000, running: 0, waiting: [] as (() => void)[] };

/**
 * At most `concurrency` hashes run at once (leave the rest of libuv's pool to the database
 * driver and the file system); at most `maxWaiting` wait, beyond that 503 `busy` with Retry-After.
 */
export function configurePasswordHashing(options: { concurrency: number; maxQueue: number }): void {
  queue.concurrency = Math.max(1, options.concurrency);
  queue.maxWaiting = Math.max(0, options.maxQueue);
}

/** Hashes running and waiting now (tests, metrics). */
export function passwordHashingLoad(): { running: number; waiting: number } {
  return { running: queue.running, waiting: queue.waiting.length };
}

async function inQueue<T>(work: () => Promise<T>): Promise<T> {
  if (queue.running >= queue.concurrency) {
    if (queue.waiting.length >= queue.maxWaiting) {
      throw new HttpError(503, 'busy', 'Too many sign-ins at once; try again in a moment', undefined, { 'Retry-After': '1' });
    }
    await new Promise<void>((resolve) => queue.waiting.push(resolve));
  } else {
    queue.running++;
  }
  try {
    return await work();
  } finally {
    // The slot passes straight to the next waiter (running stays the same), else it is freed.
    const next = queue.waiting.shift();
    if (next) next();
    else queue.running--;
  }
}

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return inQueue(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

function options(log2N: number, r: number, p: number): ScryptOptions {
  const N = 2 ** log2N;
  // scrypt needs 128·N·r bytes; node's default cap (32 MiB) is below OWASP's N=2^17.
  return { N, r, p, maxmem: 128 * N * r + 1024 * 1024 };
}

export async function hashPassword(password: string, log2N = 17): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, options(log2N, R, P));
  return ['scrypt', log2N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, log2N, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !log2N || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64'), options(Number(log2N), Number(r), Number(p)));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash of a random password, for verifying against when the username is unknown, so that a
 * login attempt takes the same time whether or not the user exists.
 */
export function dummyHash(log2N: number): Promise<string> {
  return hashPassword(randomBytes(16).toString('hex'), log2N);
}
