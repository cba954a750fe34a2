/**
 * A request body → a temporary file, with its size capped and its SHA-256 taken on the way.
 * The import then reads the file: a slow upload never holds the database's write lock, memory
 * stays flat whatever the size, and the hash identifies the request for Idempotency-Key.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HttpError } from '@simcard/common';
import { fileDetail, type FileProblemCode, type FileProblemParams, megabytes } from './file-errors.js';

export interface SpooledBody {
  path: string;
  /** The upload's own directory: scratch files of the import go here and are removed with it. */
  dir: string;
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
  /** `problem`: the code and params of its `file` detail (file-errors.ts). */
  constructor(message: string, problem: FileProblemCode, params?: FileProblemParams) {
    super(413, 'payload_too_large', message, [fileDetail(problem, message, params)], { Connection: 'close' });
  }
}

function tooLarge(limitBytes: number, what: string): BodyTooLargeError {
  const limitMb = megabytes(limitBytes);
  return new BodyTooLargeError(`${what} is larger than the limit of ${limitMb} MB`, 'file.too_large', { limit_mb: limitMb });
}

/** Refuses at once a body whose declared length is over the limit. */
export function checkDeclaredLength(contentLength: string | undefined, limitBytes: number, what: string): void {
  if (contentLength !== undefined && Number(contentLength) > limitBytes) throw tooLarge(limitBytes, what);
}

/**
 * Spool directories are named after the process (`simcard-import-<pid>-…`): one left behind by
 * a process that died (kill -9, a crash) is recognized and removed by the next start.
 */
const SPOOL_PREFIX = 'simcard-import-';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the spool directories of processes that are gone (and, for directories of the older
 * unnamed kind, those untouched for an hour). Answers how many were removed.
 */
export async function sweepSpool(dir = tmpdir()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(SPOOL_PREFIX)) continue;
    const pid = /^simcard-import-(\d+)-/.exec(name)?.[1];
    const path = join(dir, name);
    if (pid !== undefined) {
      if (Number(pid) === process.pid || processAlive(Number(pid))) continue;
    } else {
      const info = await stat(path).catch(() => null);
      if (!info || Date.now() - info.mtimeMs < 60 * 60 * 1000) continue;
    }
    await rm(path, { recursive: true, force: true }).catch(() => {});
    removed++;
  }
  return removed;
}

/** A new spool directory of this process (named so that sweepSpool knows whose it is). */
export function makeSpoolDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-`));
}

/** A small body held in memory: hashed as spoolBody hashes it, so a retry's hash is the same either way. */
export interface BufferedBody {
  data: Buffer;
  size: number;
  sha256: string;
}

/**
 * `body` into memory, for a body whose declared length is small (a one-row JSON import: the
 * temporary directory, file writes and reads of spoolBody cost more than the import itself).
 * Same limit, errors and hash as spoolBody.
 */
export async function bufferBody(body: Readable, limitBytes: number, what: string, prefix: string): Promise<BufferedBody> {
  const hash: Hash = createHash('sha256').update(prefix);
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      body.off('data', onData).off('end', onEnd).off('error', fail);
      // A later error of the abandoned stream must not become an unhandled 'error' event.
      body.on('error', () => {});
      body.pause();
      reject(err);
    };
    const onEnd = () => {
      settled = true;
      resolve();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) return fail(tooLarge(limitBytes, what));
      hash.update(chunk);
      chunks.push(chunk);
    };
    body.on('data', onData).once('end', onEnd).once('error', fail);
    body.once('aborted', () => fail(new Error('aborted')));
    // The request closed before its body was complete: the client went away.
    body.once('close', () => {
      if (!(body as Readable & { complete?: boolean }).complete) fail(new Error('aborted'));
    });
    if (body.errored) fail(body.errored as Error);
  });
  return { data: Buffer.concat(chunks, size), size, sha256: hash.digest('hex') };
}

/**
 * `body` to a file. `origin` is the request whose body it is (when `body` is a decoder behind
 * it): a client that goes away mid-upload ends the spooling (and the file is removed) instead of
 * leaving it waiting for bytes that will not come.
 */
export async function spoolBody(body: Readable, limitBytes: number, what: string, prefix: string, origin?: Readable): Promise<SpooledBody> {
  const dir = await makeSpoolDir();
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
        // A later error of the abandoned stream must not become an unhandled 'error' event.
        body.on('error', () => {});
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
      // The stream may have failed before we listened (a gzip header refused at once).
      if (body.errored) return fail(body.errored as Error);
      if (origin && origin !== body) {
        origin.once('aborted', () => fail(new Error('aborted')));
        origin.once('error', fail);
        // The request closed before its body was complete: the client went away.
        origin.once('close', () => {
          if (!(origin as Readable & { complete?: boolean }).complete) fail(new Error('aborted'));
        });
      }
    });
  } catch (err) {
    file.destroy();
    await remove();
    throw err;
  }
  return { path, dir, size, sha256: hash.digest('hex'), remove };
}
