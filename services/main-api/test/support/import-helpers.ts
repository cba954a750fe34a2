/** Shared by the imports*.test.ts files: sending files to POST /simcards/bulk, and test ICCIDs. */
import { appendCheckDigit } from '@simcard/common';
import type { ApiResponse, TestApi } from './harness.js';

let counter = 0;
/** A valid ICCID from a range no other test file uses (imports get their own 8999802… range). */
export function importIccid(): string {
  return appendCheckDigit(`8999802${String(process.pid % 10000).padStart(4, '0')}${String(++counter).padStart(7, '0')}`);
}

let phoneCounter = 0;
/** A Beeline (90) number unique in this process. */
export function importMsisdn(prefix = '90'): string {
  return `+998${prefix}${String(process.pid % 100).padStart(2, '0')}${String(++phoneCounter).padStart(5, '0')}`;
}

export function postImport(
  api: TestApi,
  body: string | Buffer,
  contentType: string,
  query = '',
  options: { token?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  return api.request('POST', `/simcards/bulk${query ? `?${query}` : ''}`, {
    rawBody: body,
    token: options.token,
    headers: { 'content-type': contentType, ...options.headers },
  });
}

export const postCsv = (
  api: TestApi,
  csv: string | Buffer,
  query = '',
  options?: { token?: string | null; headers?: Record<string, string> },
) => postImport(api, csv, 'text/csv', query, options);

/** A multipart/form-data body holding one file. */
export function multipart(fileName: string, content: Buffer | string, mimeType: string): { body: Buffer; contentType: string } {
  const boundary = `----simcard${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: ${mimeType}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The invalid entries as `line:field`, for compact assertions. */
export function invalidLines(res: ApiResponse): string[] {
  return (res.body.invalid as { line: number; field: string }[]).map((p) => `${p.line}:${p.field}`);
}

export async function countSimcards(api: TestApi, batchId?: string): Promise<number> {
  const qb = api.db('simcards');
  if (batchId) qb.where({ batch_id: batchId });
  const row = (await qb.count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}

export async function countRows(api: TestApi, table: string): Promise<number> {
  const row = (await api.db(table).count({ n: '*' }).first()) as { n: number | string };
  return Number(row.n);
}
