import bodyParser from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { HttpError, ValidationError } from '../errors.js';

/**
 * The one JSON body parser (its options live here only). `ApiRouter` mounts it on each endpoint
 * that declares a JSON body, after authentication, with that endpoint's limit; it is not meant
 * to be mounted for a whole app.
 *
 * JSON request bodies up to `limitBytes`, after any Content-Encoding is undone (larger → 413,
 * malformed → 400, `__proto__` keys → 400, another content type → 415, via the error handler).
 */
export function jsonBody(limitBytes: number): Middleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    encoding: 'utf-8',
    // Mounted only where a body is declared, so whatever the endpoint's method (a DELETE with a body too).
    parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
    // A body that does not decode as its Content-Encoding says (zlib's errors carry no status) is the client's error.
    onError: (err) => {
      if (typeof (err as { status?: unknown }).status === 'number') throw err;
      throw new ValidationError('Request body could not be decoded as its Content-Encoding says', undefined, 'malformed_body');
    },
  });
  return (ctx, next) => {
    // A body of another type would be left unparsed and then refused field by field ("name:
    // expected string"), which hides the real mistake; `is` is null when there is no body at all.
    if (ctx.is('json') === false) {
      throw new HttpError(415, 'unsupported_media_type', `The request body must be JSON (Content-Type: application/json), not ${ctx.type || 'untyped'}`, [
        { field: 'Content-Type', reason: 'must be application/json' },
      ]);
    }
    return parse(ctx, next);
  };
}
