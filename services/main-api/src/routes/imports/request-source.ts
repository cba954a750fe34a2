/**
 * The body of POST /simcards/bulk → an ImportSource. The format comes from Content-Type; the
 * body is first spooled to a temporary file (capped, hashed for Idempotency-Key), and parsed
 * from there as a stream when the import runs. A small JSON/CSV/text body is held in memory
 * instead (IN_MEMORY_BODY_BYTES).
 */
import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { HttpError, issuesToDetails, ValidationError } from '@simcard/common';
import { parseDelimited } from '../../import/delimited.js';
import { fileDetail } from '../../import/file-errors.js';
import { jsonRows } from '../../import/json-rows.js';
import { extractUploadedFile, type FileKind } from '../../import/multipart.js';
import {
  BodyTooLargeError,
  bufferBody,
  type BufferedBody,
  checkDeclaredLength,
  makeSpoolDir,
  spoolBody,
  type SpooledBody,
} from '../../import/spool.js';
import { parseXlsx } from '../../import/xlsx.js';
import type { ImportSource } from '../../services/imports.js';
import { JsonImportBody } from './imports.schema.js';
import { MAX_IMPORT_BYTES, MAX_JSON_IMPORT_BYTES } from './limits.js';

type BodyKind = 'json' | 'csv' | 'text' | 'xlsx' | 'multipart';

const KINDS: Record<string, BodyKind> = {
  'application/json': 'json',
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/comma-separated-values': 'csv',
  // What Windows browsers declare for a .csv file.
  'application/vnd.ms-excel': 'csv',
  'text/plain': 'text',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'multipart/form-data': 'multipart',
};

export function bodyKind(contentType: string | undefined): BodyKind {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const kind = KINDS[type];
  if (!kind) {
    const message = 'Send JSON (application/json), CSV (text/csv), an ICCID list (text/plain), XLSX, or a multipart/form-data upload';
    throw new HttpError(415, 'unsupported_media_type', message, [
      fileDetail('file.unsupported_type', message, { type: type.slice(0, 100) || '—' }),
    ]);
  }
  return kind;
}

/** A name safe to store: no control characters or path, at most 255 characters. */
export function cleanFileName(name: string | null | undefined): string | null {
  if (!name) return null;
  const base = name
    .split(/[\\/]/)
    .pop()!
    // eslint-disable-next-line no-control-regex -- control characters are what is stripped
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 255);
  return base || null;
}

function dispositionFileName(header: string | undefined): string | null {
  if (!header) return null;
  const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1]!.trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through to the plain parameter */
    }
  }
  return /filename="?([^";]+)"?/i.exec(header)?.[1] ?? null;
}

/** Past this many inflated bytes, a gzip body may not inflate more than MAX_GZIP_RATIO times its size. */
const GZIP_RATIO_FLOOR_BYTES = 16 * 1024 * 1024;
const MAX_GZIP_RATIO = 100;

/** A gzip body that does not inflate (cut short, or not gzip): 400 naming it. */
class GzipError extends Error {}

function decodedBody(req: IncomingMessage): Readable {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return req;
  if (encoding === 'gzip') {
    // Its size is capped by the spool as it inflates: a gzip bomb stops at the file limit.
    const gunzip = createGunzip();
    // pipe() does not forward the request's errors; spoolBody watches the request itself.
    req.on('error', () => gunzip.destroy(new GzipError('the request ended early')));
    // A gzip bomb is refused by its ratio as it inflates, long before the file cap: real CSV
    // compresses 5-10×, a bomb 1000×.
    let inflated = 0;
    const guard = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        inflated += chunk.length;
        // bytesWritten: the compressed bytes gunzip has taken in so far.
        if (inflated > GZIP_RATIO_FLOOR_BYTES && inflated > gunzip.bytesWritten * MAX_GZIP_RATIO) {
          done(
            new BodyTooLargeError(
              `The gzip body inflates more than ${MAX_GZIP_RATIO}× (a gzip bomb?): send the file uncompressed or less repetitive`,
              'file.gzip_bomb',
              { ratio: MAX_GZIP_RATIO },
            ),
          );
          return;
        }
        done(null, chunk);
      },
    });
    // pipe() does not forward errors: gunzip's reach the stream spoolBody reads.
    gunzip.on('error', (err) => guard.destroy(err));
    // Until spoolBody listens (it checks `errored` then), an early error must not go unhandled.
    return req
      .pipe(gunzip)
      .pipe(guard)
      .on('error', () => {});
  }
  const message = 'Content-Encoding must be gzip or none';
  throw new HttpError(415, 'unsupported_media_type', message, [
    fileDetail('file.unsupported_encoding', message, { encoding: encoding.slice(0, 40) }),
  ]);
}

export interface ReceivedBody {
  source: ImportSource;
  /** The JSON body's shop_id, if it had one. */
  jsonShopId: number | null;
  /** SHA-256 of content type, query and body: what identifies a retry. */
  requestHash: string;
  /** The body is held in memory (small): reading its rows waits on nothing. */
  inMemory: boolean;
  /** Closes what is open and deletes the spooled body. */
  dispose(): Promise<void>;
}

/**
 * A body declared at most this long (JSON, CSV or text, not compressed) is read into memory
 * instead of spooled: for a one-row import (an integration pushing SIMs one at a time) the
 * temporary directory and its file writes and reads cost more than the import itself. Memory
 * stays bounded by this size per request.
 */
export const IN_MEMORY_BODY_BYTES = 256 * 1024;

/** A body that could not be read to its end: the answer that names why. */
function unreadable(err: unknown, gzipped: boolean): Error {
  if (err instanceof HttpError) return err;
  if (gzipped && !(err instanceof Error && err.message === 'aborted')) {
    return new ValidationError(
      `The gzip body cannot be decompressed (cut short or not gzip): ${(err as Error).message}`,
      [{ ...fileDetail('file.gzip_invalid', 'is not valid gzip'), field: 'body' }],
      'malformed_gzip',
    );
  }
  return new ValidationError(
    'The request body could not be read to its end',
    [{ ...fileDetail('file.cut_short', 'ended before its end'), field: 'body' }],
    'malformed_body',
  );
}

/** Reads the request body (to disk, or into memory when small) and describes how to parse it. */
export async function receiveImport(
  req: IncomingMessage,
  querystring: string,
  fileNameParam: string | null,
  raw = false,
): Promise<ReceivedBody> {
  const kind = bodyKind(req.headers['content-type']);
  const limit = kind === 'json' ? MAX_JSON_IMPORT_BYTES : MAX_IMPORT_BYTES;
  const what = kind === 'json' ? 'A JSON import (upload a CSV for larger files)' : 'The import file';
  if (!req.headers['content-encoding']) checkDeclaredLength(req.headers['content-length'], limit, what);
  const prefix = `${req.headers['content-type']}\n${querystring}\n`;
  const fileName = () => cleanFileName(fileNameParam ?? dispositionFileName(req.headers['content-disposition']));
  const declared = req.headers['content-length'];
  if (
    !req.headers['content-encoding'] &&
    kind !== 'xlsx' &&
    kind !== 'multipart' &&
    declared !== undefined &&
    Number(declared) <= IN_MEMORY_BODY_BYTES
  ) {
    return receiveInMemory(req, kind, { limit, what, prefix, fileName: fileName(), raw });
  }
  let spooled: SpooledBody;
  const gzipped = (req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
  try {
    spooled = await spoolBody(decodedBody(req), limit, what, prefix, req);
  } catch (err) {
    throw unreadable(err, gzipped);
  }
  const received = (source: ImportSource, jsonShopId: number | null = null): ReceivedBody => ({
    source,
    jsonShopId,
    requestHash: spooled.sha256,
    inMemory: false,
    dispose: () => spooled.remove(),
  });
  try {
    const base = { fileName: fileName(), sizeBytes: spooled.size, scratchDir: () => Promise.resolve(spooled.dir) };
    switch (kind) {
      case 'json': {
        const body = parseJson(await readFile(spooled.path, 'utf8'));
        const rows = body.rows;
        return received({ ...base, format: 'json', rows: (warn) => jsonRows(rows, warn) }, body.shop_id ?? null);
      }
      case 'csv':
      case 'text':
        return received({ ...base, format: kind, rows: fileRows(spooled.path, kind, raw) });
      case 'xlsx':
        return received({ ...base, format: 'xlsx', rows: fileRows(spooled.path, 'xlsx', raw) });
      case 'multipart': {
        // The file part is written out whole first: a cut upload is refused here, before any import starts.
        const file = await extractUploadedFile(spooled.path, req.headers['content-type']!, join(spooled.dir, 'file'));
        return received({
          ...base,
          fileName: cleanFileName(file.fileName) ?? base.fileName,
          format: file.kind,
          rows: fileRows(file.path, file.kind, raw),
        });
      }
    }
  } catch (err) {
    await spooled.remove();
    throw err;
  }
}

/**
 * A small JSON, CSV or text body, read into memory: no temporary directory unless the import
 * asks for one (scratchDir: more valid rows than it keeps in memory), removed by dispose.
 */
async function receiveInMemory(
  req: IncomingMessage,
  kind: 'json' | 'csv' | 'text',
  how: { limit: number; what: string; prefix: string; fileName: string | null; raw: boolean },
): Promise<ReceivedBody> {
  let body: BufferedBody;
  try {
    body = await bufferBody(req, how.limit, how.what, how.prefix);
  } catch (err) {
    throw unreadable(err, false);
  }
  let scratch: Promise<string> | null = null;
  const base = { fileName: how.fileName, sizeBytes: body.size, scratchDir: () => (scratch ??= makeSpoolDir()) };
  const dispose = async () => {
    const dir = await scratch?.catch(() => null);
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  if (kind === 'json') {
    const parsed = parseJson(body.data.toString('utf8'));
    const rows = parsed.rows;
    return {
      source: { ...base, format: 'json', rows: (warn) => jsonRows(rows, warn) },
      jsonShopId: parsed.shop_id ?? null,
      requestHash: body.sha256,
      inMemory: true,
      dispose,
    };
  }
  const data = body.data;
  return {
    source: { ...base, format: kind, rows: (warn) => parseDelimited(Readable.from(fileChunks(data)), warn, undefined, how.raw) },
    jsonShopId: null,
    requestHash: body.sha256,
    inMemory: true,
    dispose,
  };
}

/** The chunks a CSV/text file is read in (createReadStream's default): one batch of rows each. */
const FILE_CHUNK_BYTES = 64 * 1024;

/**
 * A body in memory in the chunks a read of it from disk gives: the parsers then see the same
 * thing either way (the encoding is sniffed from the first 64 KiB, whatever the chunks).
 */
function* fileChunks(data: Buffer): Generator<Buffer> {
  for (let at = 0; at < data.length; at += FILE_CHUNK_BYTES) yield data.subarray(at, at + FILE_CHUNK_BYTES);
}

/** The rows of a file on disk, by format. */
function fileRows(path: string, kind: FileKind | 'text', raw = false): ImportSource['rows'] {
  if (kind === 'xlsx') return (warn, control) => parseXlsx(path, warn, { ...control, raw });
  return (warn) => parseDelimited(createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES }), warn, undefined, raw);
}

function parseJson(text: string) {
  let value: unknown;
  // As the global JSON parser (bourne) does: such keys are an attack, not a SIM.
  if (/"__proto__"\s*:/.test(text)) {
    throw new ValidationError('Request body contains a forbidden __proto__ key', undefined, 'forbidden_key');
  }
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(
      'Request body is not valid JSON (an object or array is expected)',
      [{ reason: (err as Error).message }],
      'malformed_json',
    );
  }
  const result = JsonImportBody.safeParse(value);
  if (!result.success) {
    const details = issuesToDetails(result.error, 'body');
    throw new ValidationError(`Invalid request body: ${details.map((d) => `${d.field}: ${d.reason}`).join('; ')}`, details);
  }
  return result.data;
}
