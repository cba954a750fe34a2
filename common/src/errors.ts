/**
 * Typed errors. Thrown from anywhere (services, repositories, middleware) and turned into
 * The JSON body (docs/conventions.md) `{ error: { code, message, details } }` by the one error middleware.
 */
/**
 * One thing wrong with a request. `reason` is English, for API clients and logs; `code` (stable,
 * e.g. `iccid.check_digit`) and `params` (e.g. `{ expected: 5 }`) let a client say the same in
 * the person's language: the web app's i18n/errors.ts renders them in uz, ru and en.
 */
export interface ErrorDetail {
  field?: string;
  reason: string;
  code?: string;
  params?: Record<string, string | number>;
  [key: string]: unknown;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends HttpError {
  constructor(message: string, details?: ErrorDetail[], code = 'validation_failed') {
    super(400, code, message, details);
  }

  /** A single bad field, the common case. */
  static field(field: string, reason: string): ValidationError {
    return new ValidationError(`${field}: ${reason}`, [{ field, reason }]);
  }
}

export class AuthenticationError extends HttpError {
  constructor(message = 'Authentication required', code = 'unauthorized') {
    super(401, code, message, undefined, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'You are not allowed to do this', details?: ErrorDetail[]) {
    super(403, 'forbidden', message, details);
  }
}

export class NotFoundError extends HttpError {
  constructor(what = 'Resource') {
    super(404, 'not_found', `${what} not found`);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, details?: ErrorDetail[], code = 'conflict') {
    super(409, code, message, details);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(message = 'Request body is too large') {
    super(413, 'payload_too_large', message);
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(message: string, code = 'service_unavailable') {
    super(503, code, message);
  }
}
