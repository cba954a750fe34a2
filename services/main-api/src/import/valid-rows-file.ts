/**
 * The rows that passed validation, kept in a scratch file between reading the upload and
 * writing it: the upload is read (and every row checked) before the transaction opens, and the
 * transaction then only reads back this file — our own format, complete and well-formed, so
 * nothing inside the transaction waits on the client or on a parser. One JSON array per line.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import type { ValidRow } from './validate-row.js';

export class ValidRowsWriter {
  private readonly out: WriteStream;
  private failure: Error | null = null;
  count = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path);
    this.out.on('error', (err) => (this.failure = err));
  }

  /** Appends rows; resolves when the file can take more (back-pressure). */
  async write(rows: ValidRow[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (rows.length === 0) return;
    let text = '';
    for (const r of rows) text += `${JSON.stringify([r.line, r.iccid, r.msisdn, r.operator, r.tariff, r.price])}\n`;
    this.count += rows.length;
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    if (!this.out.writableFinished && !this.out.destroyed) await new Promise<void>((resolve) => this.out.end(resolve));
    if (this.failure) throw this.failure;
  }

  destroy(): void {
    this.out.destroy();
  }
}

/** The rows back, in batches of up to `batchRows`. */
export async function* readValidRows(path: string, batchRows: number): AsyncGenerator<ValidRow[]> {
  let carry = '';
  let batch: ValidRow[] = [];
  // 64 KiB reads (not 1 MiB): each read is a string, split into lines that stay alive with it
  // until the batch is written; small ones die in V8's young generation (see STAGE_CHUNK_ROWS).
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const text = carry + chunk;
      const lines = text.split('\n');
      carry = lines.pop()!;
      for (const line of lines) {
        const [l, iccid, msisdn, operator, tariff, price] = JSON.parse(line) as [
          number,
          string,
          string | null,
          string | null,
          string | null,
          number | null,
        ];
        batch.push({ line: l, iccid, msisdn, operator, tariff, price });
        if (batch.length >= batchRows) {
          yield batch;
          batch = [];
        }
      }
    }
  } finally {
    input.destroy();
  }
  if (batch.length > 0) yield batch;
}
