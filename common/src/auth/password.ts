/**
 * Password hashing with node:crypto scrypt. The stored string carries its parameters
 * (`scrypt$log2N$r$p$salt$hash`), so raising the cost later does not break old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;
const R = 8;
const P = 1;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
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
