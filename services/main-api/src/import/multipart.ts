/**
 * A multipart/form-data upload (a spooled body) → its file, written to its own file next to it,
 * with its name and kind. The first file part is the import; text fields and further files are
 * ignored.
 *
 * The whole upload is read here, before anything else: one cut short (no closing boundary) is a
 * 400 now, not an 'error' event from the multipart parser in the middle of an import. Every
 * stream of the pipeline (the spooled body, the parser, the file part, the file written) has an
 * error listener: an unhandled one would stop the process.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import type { ValidationError } from '@simcard/common';
import type busboyType from 'busboy';
import { busboy } from '../lazy-modules.js';
import { fileUnreadable } from './file-errors.js';

export type FileKind = 'csv' | 'xlsx';

export interface UploadedFile {
  fileName: string | null;
  kind: FileKind;
  /** Where the file part was written. */
  path: string;
  size: number;
}

const XLSX_TYPES = new Set(['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);

/** By extension first (browsers send odd types for .csv), then by declared type. */
export function kindOf(fileName: string | null, mimeType: string): FileKind {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName ?? '')?.[1]?.toLowerCase();
  if (ext === 'xls') {
    throw fileUnreadable(
      'unsupported_file',
      'The old Excel .xls format cannot be read: save the sheet as .xlsx or CSV',
      'file.xls',
      'is .xls',
    );
  }
  if (ext === 'xlsx' || XLSX_TYPES.has(mimeType)) return 'xlsx';
  return 'csv';
}

function malformed(reason: string): ValidationError {
  const cut = /unexpected end/i.test(reason);
  return fileUnreadable(
    'malformed_multipart',
    cut
      ? 'The multipart upload was cut short (its closing boundary never came): upload the file again'
      : `The multipart upload could not be read: ${reason}`,
    cut ? 'file.multipart_cut' : 'file.multipart_malformed',
    reason,
  );
}

/** Reads the spooled multipart body at `path` and writes its first file part to `filePath`. */
export function extractUploadedFile(path: string, contentType: string, filePath: string): Promise<UploadedFile> {
  return new Promise<UploadedFile>((resolve, reject) => {
    let parser: busboyType.Busboy;
    try {
      // Browsers send a file name with non-Latin letters as raw UTF-8 (busboy assumes latin1).
      parser = busboy()({
        headers: { 'content-type': contentType },
        defParamCharset: 'utf8',
        limits: { files: 1, fields: 20, fieldSize: 4096 },
      });
    } catch (err) {
      reject(malformed((err as Error).message));
      return;
    }
    const body = createReadStream(path);
    let settled = false;
    let found: { fileName: string | null; kind: FileKind } | null = null;
    let size = 0;
    let written: Promise<void> | null = null;
    const out: { stream: ReturnType<typeof createWriteStream> | null } = { stream: null };
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      body.destroy();
      out.stream?.destroy();
      reject(err);
    };
    body.on('error', (err) => fail(malformed(err.message)));
    parser.on('error', (err: Error) => fail(malformed(err.message)));
    parser.on('file', (_name, stream, info) => {
      // Always listened to: busboy destroys a part with an error when the upload is cut short.
      stream.on('error', (err: Error) => fail(malformed(err.message)));
      if (found) {
        stream.resume();
        return;
      }
      try {
        found = { fileName: info.filename ?? null, kind: kindOf(info.filename ?? null, info.mimeType) };
      } catch (err) {
        stream.resume();
        fail(err);
        return;
      }
      const file = createWriteStream(filePath);
      out.stream = file;
      stream.on('data', (chunk: Buffer) => (size += chunk.length));
      written = new Promise<void>((done, failed) => {
        file.on('error', failed);
        file.on('finish', done);
      });
      written.catch(fail);
      stream.pipe(file);
    });
    parser.on('close', () => {
      if (settled) return;
      if (!found || !written) {
        fail(
          fileUnreadable('missing_file', 'The upload holds no file: send the CSV or XLSX as a file field', 'file.missing', 'is missing'),
        );
        return;
      }
      const meta = found;
      written.then(() => {
        if (settled) return;
        settled = true;
        resolve({ ...meta, path: filePath, size });
      }, fail);
    });
    body.pipe(parser);
  });
}
