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
 *
 * Bytes that are not UTF-8 → 400 `invalid_utf8`. co-body's decoder would quietly turn them into
 * U+FFFD, which then got stored. So the body is read as latin1 (one char per byte: the JSON
 * syntax, limit and `__proto__` checks run as before, on ASCII), then decoded strictly and
 * parsed once more when it holds any byte above 0x7F.
 */
export function jsonBody(limitBytes: number): Middleware {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    encoding: 'latin1',
    // Mounted only where a body is declared, so whatever the endpoint's method (a DELETE with a body too).
    parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
    // A body that does not decode as its Content-Encoding says (zlib's errors carry no status) is the client's error.
    onError: (err, ctx) => {
      const raw = (err as { body?: unknown }).body;
      // A UTF-8 byte order mark, as latin1, fails the JSON syntax check: drop it and parse again.
      if (typeof raw === 'string' && raw.startsWith(LATIN1_BOM)) {
        ctx.request.body = parseUtf8Json(raw.slice(LATIN1_BOM.length), true);
        return;
      }
      if (typeof (err as { status?: unknown }).status === 'number') throw err;
      throw new ValidationError('Request body could not be decoded as its Content-Encoding says', undefined, 'malformed_body');
    },
  });
  return (ctx, next) => {
    // A body of another type would be left unparsed and then refused field by field ("name:
    // expected string"), which hides the real mistake; `is` is null when there is no body at all.
    if (ctx.is('json') === false) {
      throw new HttpError(
        415,
        'unsupported_media_type',
        `The request body must be JSON (Content-Type: application/json), not ${ctx.type || 'untyped'}`,
        [{ field: 'Content-Type', reason: 'must be application/json' }],
      );
    }
    return parse(ctx, () => {
      const raw = (ctx.request as { rawBody?: unknown }).rawBody;
      if (typeof raw === 'string' && NON_ASCII.test(raw)) ctx.request.body = parseUtf8Json(raw);
      return next();
    });
  };
}

const LATIN1_BOM = '\u00ef\u00bb\u00bf';
const NON_ASCII = /[\u0080-\u00ff]/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A body read as latin1 (one char per byte) → its JSON, or 400 when the bytes are not UTF-8. */
function parseUtf8Json(latin1: string, unchecked = false): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(Buffer.from(latin1, 'latin1'));
  } catch {
    throw new ValidationError('Request body is not valid UTF-8', [{ field: 'body', reason: 'must be UTF-8 encoded' }], 'invalid_utf8');
  }
  try {
    // The structure and forbidden keys were checked on the latin1 reading (unless it failed on the BOM).
    const parsed = text === '' ? {} : (JSON.parse(text, unchecked ? refuseProtoKeys : undefined) as unknown);
    if (unchecked && (typeof parsed !== 'object' || parsed === null)) throw new SyntaxError('only an object or array');
    return parsed;
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError('Request body is not valid JSON (an object or array is expected)', undefined, 'malformed_json');
  }
}

function refuseProtoKeys(key: string, value: unknown): unknown {
  if (key === '__proto__')
    throw new ValidationError('Request body contains a forbidden __proto__ or constructor.prototype key', undefined, 'forbidden_key');
  return value;
}
