import bodyParser from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { ValidationError } from '../errors.js';

/**
 * JSON request bodies up to `limitBytes` (larger → 413, malformed → 400, `__proto__` keys → 400,
 * via the error handler). Other content types are left unparsed.
 */
export function jsonBody(limitBytes: number): Middleware {
  return bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    encoding: 'utf-8',
    // A body that does not decode as its Content-Encoding says (zlib's errors carry no status) is the client's error.
    onError: (err) => {
      if (typeof (err as { status?: unknown }).status === 'number') throw err;
      throw new ValidationError('Request body could not be decoded as its Content-Encoding says', undefined, 'malformed_body');
    },
  });
}
