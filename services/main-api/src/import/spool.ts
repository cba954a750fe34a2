/**
 * A request body → a temporary file, with its size capped and its SHA-256 taken on the way.
 * The import then reads the file: a slow upload never holds the database's write lock, memory
 * stays flat whatever the size, and the hash identifies the request for Idempotency-Key.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HttpError } from '@simcard/common';

export interface SpooledBody {
  path: string;
  size: number;
  /** Hex SHA-256 of what was hashed: `prefix`, then the body. */
  sha256: string;
  remove(): Promise<void>;
}

/**
 * 413, and the connection closed after the answer: the client may still be sending a body that
 * is not read any further.
 */
export class BodyTooLargeError extends HttpError {
  constructor(message: string) {
    super(413, 'payload_too_large', message, undefined, { Connection: 'close' });
  }
}

function tooLarge(limitBytes: number, what: string): BodyTooLargeError {
  return new BodyTooLargeError(`${what} is larger than the limit of ${Math.round(limitBytes / 1024 / 1024)} MB`);
}

/** Refuses at once a body whose declared length is over the limit. */
export function checkDeclaredLength(contentLength: string | undefined, limitBytes: number, what: string): void {
  if (contentLength !== undefined && Number(contentLength) > limitBytes) throw tooLarge(limitBytes, what);
}

export async function spoolBody(body: Readable, limitBytes: number, what: string, prefix: string): Promise<SpooledBody> {
  const dir = await mkdtemp(join(tmpdir(), 'simcard-import-'));
  const path = join(dir, 'body');
  const remove = () => rm(dir, { recursive: true, force: true });
  const hash: Hash = createHash('sha256').update(prefix);
  let size = 0;
  const file = createWriteStream(path);
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        // The request stream is left alone (not destroyed), so the 413 can still be answered.
        body.off('data', onData).off('end', onEnd).off('error', fail);
        body.pause();
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limitBytes) return fail(tooLarge(limitBytes, what));
        hash.update(chunk);
        if (!file.write(chunk)) {
          body.pause();
          file.once('drain', () => body.resume());
        }
      };
      const onEnd = () => file.end(resolve);
      body.on('data', onData).once('end', onEnd).once('error', fail);
      file.once('error', fail);
      body.once('aborted', () => fail(new Error('aborted')));
    });
  } catch (err) {
    file.destroy();
    await remove();
    throw err;
  }
  return { path, size, sha256: hash.digest('hex'), remove };
}
