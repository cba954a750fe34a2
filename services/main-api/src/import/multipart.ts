/**
 * A multipart/form-data upload (a spooled body) → its file's stream, name and kind. The first
 * file part is the import; text fields and further files are ignored.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { ValidationError } from '@simcard/common';
import busboy from 'busboy';

export type FileKind = 'csv' | 'xlsx';

export interface UploadedFile {
  fileName: string | null;
  kind: FileKind;
  stream: Readable;
  /** Stops reading the spooled body (when the import ends before reading the whole file). */
  close(): void;
}

const XLSX_TYPES = new Set(['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);

/** By extension first (browsers send odd types for .csv), then by declared type. */
export function kindOf(fileName: string | null, mimeType: string): FileKind {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName ?? '')?.[1]?.toLowerCase();
  if (ext === 'xls') {
    throw new ValidationError('The old Excel .xls format cannot be read: save the sheet as .xlsx or CSV', [{ field: 'file', reason: 'is .xls' }], 'unsupported_file');
  }
  if (ext === 'xlsx' || XLSX_TYPES.has(mimeType)) return 'xlsx';
  return 'csv';
}

export function openUploadedFile(path: string, contentType: string): Promise<UploadedFile> {
  const body = createReadStream(path);
  return new Promise<UploadedFile>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // Browsers send a file name with non-Latin letters as raw UTF-8 (busboy assumes latin1).
      parser = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8', limits: { files: 1, fields: 20, fieldSize: 4096 } });
    } catch (err) {
      reject(new ValidationError(`The multipart upload could not be read: ${(err as Error).message}`, undefined, 'malformed_multipart'));
      return;
    }
    let found: Readable | null = null;
    parser.on('file', (_name, stream, info) => {
      if (found) {
        stream.resume();
        return;
      }
      found = stream;
      try {
        resolve({ fileName: info.filename ?? null, kind: kindOf(info.filename ?? null, info.mimeType), stream, close: () => body.destroy() });
      } catch (err) {
        stream.resume();
        reject(err);
      }
    });
    parser.on('error', (err: Error) => {
      const error = new ValidationError(`The multipart upload could not be read: ${err.message}`, undefined, 'malformed_multipart');
      // Once the file is being read, its reader learns of the broken upload through the stream.
      if (found) found.destroy(error);
      else reject(error);
    });
    parser.on('close', () => {
      if (!found) reject(new ValidationError('The upload holds no file: send the CSV or XLSX as a file field', [{ field: 'file', reason: 'is missing' }]));
    });
    body.pipe(parser);
  }).catch((err: unknown) => {
    body.destroy();
    throw err;
  });
}
