/**
 * The body of POST /simcards/bulk → an ImportSource. The format comes from Content-Type; the
 * body is first spooled to a temporary file (capped, hashed for Idempotency-Key), and parsed
 * from there as a stream when the import runs.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { HttpError, issuesToDetails, ValidationError } from '@simcard/common';
import { parseDelimited } from '../../import/delimited.js';
import { jsonRows } from '../../import/json-rows.js';
import { openUploadedFile } from '../../import/multipart.js';
import { checkDeclaredLength, spoolBody, type SpooledBody } from '../../import/spool.js';
import { parseXlsx } from '../../import/xlsx.js';
import type { ImportSource } from '../../services/imports.js';
import { MAX_IMPORT_BYTES, MAX_JSON_IMPORT_BYTES } from './limits.js';
import { JsonImportBody } from './imports.schema.js';

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
    throw new HttpError(
      415,
      'unsupported_media_type',
      'Send JSON (application/json), CSV (text/csv), an ICCID list (text/plain), XLSX, or a multipart/form-data upload',
    );
  }
  return kind;
}

/** A name safe to store: no control characters or path, at most 255 characters. */
export function cleanFileName(name: string | null | undefined): string | null {
  if (!name) return null;
  const base = name.split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
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

function decodedBody(req: IncomingMessage): Readable {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return req;
  if (encoding === 'gzip') return req.pipe(createGunzip()).on('error', () => {});
  throw new HttpError(415, 'unsupported_media_type', 'Content-Encoding must be gzip or none');
}

export interface ReceivedBody {
  source: ImportSource;
  /** The JSON body's shop_id, if it had one. */
  jsonShopId: number | null;
  /** SHA-256 of content type, query and body: what identifies a retry. */
  requestHash: string;
  /** Closes what is open and deletes the spooled body. */
  dispose(): Promise<void>;
}

/** Reads the request body to disk and describes how to parse it. */
export async function receiveImport(req: IncomingMessage, querystring: string, fileNameParam: string | null): Promise<ReceivedBody> {
  const kind = bodyKind(req.headers['content-type']);
  const limit = kind === 'json' ? MAX_JSON_IMPORT_BYTES : MAX_IMPORT_BYTES;
  const what = kind === 'json' ? 'A JSON import (upload a CSV for larger files)' : 'The import file';
  if (!req.headers['content-encoding']) checkDeclaredLength(req.headers['content-length'], limit, what);
  const prefix = `${req.headers['content-type']}\n${querystring}\n`;
  let spooled: SpooledBody;
  try {
    spooled = await spoolBody(decodedBody(req), limit, what, prefix);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new ValidationError('The request body could not be read to its end', undefined, 'malformed_body');
  }
  const received = (source: ImportSource, jsonShopId: number | null = null, close = () => {}): ReceivedBody => ({
    source,
    jsonShopId,
    requestHash: spooled.sha256,
    dispose: async () => {
      close();
      await spooled.remove();
    },
  });
  try {
    const fileName = cleanFileName(fileNameParam ?? dispositionFileName(req.headers['content-disposition']));
    const base = { fileName, sizeBytes: spooled.size };
    const fileStream = () => createReadStream(spooled.path);
    switch (kind) {
      case 'json': {
        const body = await parseJson(spooled.path);
        const rows = body.rows;
        return received({ ...base, format: 'json', rows: (warn) => jsonRows(rows, warn) }, body.shop_id ?? null);
      }
      case 'csv':
      case 'text':
        return received({ ...base, format: kind, rows: (warn) => parseDelimited(fileStream(), warn) });
      case 'xlsx':
        return received({ ...base, format: 'xlsx', rows: (warn) => parseXlsx(fileStream(), warn) });
      case 'multipart': {
        const file = await openUploadedFile(spooled.path, req.headers['content-type']!);
        const source: ImportSource = {
          fileName: cleanFileName(file.fileName) ?? fileName,
          sizeBytes: spooled.size,
          format: file.kind,
          rows: (warn) => (file.kind === 'xlsx' ? parseXlsx(file.stream, warn) : parseDelimited(file.stream, warn)),
        };
        return received(source, null, file.close);
      }
    }
  } catch (err) {
    await spooled.remove();
    throw err;
  }
}

async function parseJson(path: string) {
  let value: unknown;
  const text = await readFile(path, 'utf8');
  // As the global JSON parser (bourne) does: such keys are an attack, not a SIM.
  if (/"__proto__"\s*:/.test(text)) {
    throw new ValidationError('Request body contains a forbidden __proto__ key', undefined, 'forbidden_key');
  }
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError('Request body is not valid JSON (an object or array is expected)', [{ reason: (err as Error).message }], 'malformed_json');
  }
  const result = JsonImportBody.safeParse(value);
  if (!result.success) {
    const details = issuesToDetails(result.error, 'body');
    throw new ValidationError(`Invalid request body: ${details.map((d) => `${d.field}: ${d.reason}`).join('; ')}`, details);
  }
  return result.data;
}
