/**
 * The one place an error becomes a response: `{ error: { code, message, details } }`.
 * Client errors keep their status; anything unexpected is logged and answered as a bare 500,
 * with no stack trace or SQL in the body.
 */
import type { Middleware } from 'koa';
import { HttpError, NotFoundError, PayloadTooLargeError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';

interface StatusError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  expose?: unknown;
  message?: unknown;
}

/** Errors thrown by koa, the body parser (http-errors / raw-body) and the router. */
function fromFrameworkError(err: StatusError): HttpError | null {
  const status = typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : null;
  if (status === null || status < 400 || status >= 500) return null;
  if (status === 413) return new PayloadTooLargeError();
  if (status === 400 && err instanceof SyntaxError) {
    // co-body parses with bourne, which refuses `__proto__` / `constructor.prototype` keys.
    if (/prototype/.test(err.message)) {
      return new ValidationError('Request body contains a forbidden __proto__ or constructor.prototype key', undefined, 'forbidden_key');
    }
    return new ValidationError(
      'Request body is not valid JSON (an object or array is expected)',
      [{ reason: err.message }],
      'malformed_json',
    );
  }
  if (status === 405) return new HttpError(405, 'method_not_allowed', 'Method not allowed on this path');
  if (status === 415) return new HttpError(415, 'unsupported_media_type', 'Unsupported content type or encoding');
  const message = err.expose === true && typeof err.message === 'string' ? err.message : 'Bad request';
  return new HttpError(status, 'bad_request', message);
}

/**
 * The database could not take the request now, through no fault of the client: SQLite's write
 * lock held past busy_timeout by a long write (an import), or a PostgreSQL statement or lock
 * wait cancelled by its time limit. 503 with Retry-After, never a 500.
 */
function databaseBusy(err: unknown): HttpError | null {
  const code = (err as { code?: unknown })?.code;
  if (code !== 'SQLITE_BUSY' && code !== '57014' && code !== '55P03') return null;
  return new HttpError(503, 'database_busy', 'The database is busy with another long write (a large import?); retry shortly', undefined, {
    'Retry-After': '5',
  });
}

export function errorHandler(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new NotFoundError('Route');
      // The router's allowedMethods() (not throwing) leaves 405, or 501 for a method no route has
      // (PROPFIND), with an Allow header and no body: a client error, 405 on a known path, else 404.
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) {
        const allow = ctx.response.get('Allow');
        if (!allow) throw new NotFoundError('Route');
        throw new HttpError(405, 'method_not_allowed', 'Method not allowed on this path', undefined, { Allow: allow });
      }
    } catch (err) {
      let httpError = err instanceof HttpError ? err : (fromFrameworkError(err as StatusError) ?? databaseBusy(err));
      if (!httpError) {
        log.error('unhandled error', {
          method: ctx.method,
          path: ctx.path,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
        httpError = new HttpError(500, 'internal_error', 'Internal server error');
      }
      ctx.status = httpError.status;
      ctx.set(httpError.headers ?? {});
      ctx.body = {
        error: {
          code: httpError.code,
          message: httpError.message,
          ...(httpError.details ? { details: httpError.details } : {}),
        },
      };
    }
  };
}
