/**
 * What is wrong with an uploaded file as a whole (it cannot be decoded, it is too big, it has no
 * ICCID column), said the way row reasons are: the error keeps its stable top-level code
 * (`truncated_file`, `malformed_multipart`, …) and English message, and its detail on `file`
 * carries a `code` (file-problem-codes.ts) and its `params`, which the web app's import screen says
 * in uz, ru or en (web/src/i18n/errors.ts).
 */
import { type ErrorDetail, HttpError, ValidationError } from '@simcard/common';
import type { FileProblemCode } from './file-problem-codes.js';

export type { FileProblemCode };

export type FileProblemParams = Record<string, string | number>;

/** The `file` detail of such an error. */
export function fileDetail(
  code: FileProblemCode,
  reason: string,
  params?: FileProblemParams,
  extra: Record<string, unknown> = {},
): ErrorDetail {
  return { field: 'file', reason, code, ...(params ? { params } : {}), ...extra };
}

/** 400: the file cannot be read as it is. `errorCode` is the error's top-level code (kept as it was). */
export function fileUnreadable(
  errorCode: string,
  message: string,
  problem: FileProblemCode,
  reason: string,
  params?: FileProblemParams,
  extra?: Record<string, unknown>,
): ValidationError {
  return new ValidationError(message, [fileDetail(problem, reason, params, extra)], errorCode);
}

/** 413: the file is over a cap (`headers`: e.g. Connection: close while the client still sends). */
export function fileTooLarge(
  errorCode: string,
  message: string,
  problem: FileProblemCode,
  params?: FileProblemParams,
  extra?: Record<string, unknown>,
  headers?: Record<string, string>,
): HttpError {
  return new HttpError(413, errorCode, message, [fileDetail(problem, message, params, extra)], headers);
}

/** Bytes → whole megabytes, as the sentences say limits. */
export const megabytes = (bytes: number): number => Math.round(bytes / 1024 / 1024);
