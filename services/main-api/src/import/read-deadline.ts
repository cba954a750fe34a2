/**
 * The reading deadline every upload shares (`ParseLimits.deadlineMs`): a parser that stops
 * answering (a cut XLSX, a stalled stream) is abandoned when it passes, with 413
 * `import_too_slow`, instead of being awaited forever while its request holds a connection.
 */
import { HttpError } from '@simcard/common';
import type { ParseLimits } from './limits.js';

export class ReadDeadline {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;

  constructor(limits: Pick<ParseLimits, 'deadlineMs'>) {
    const seconds = Math.round(limits.deadlineMs / 1000);
    this.#timer = setTimeout(
      () =>
        this.#controller.abort(
          new HttpError(413, 'import_too_slow', `The file took longer than ${seconds} s to read: split it into smaller files`, [
            { field: 'file', reason: `not read within ${seconds} s`, limit: seconds },
          ]),
        ),
      limits.deadlineMs,
    );
  }

  /** Fires at the deadline, its reason the 413. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The file was read (or given up on): no deadline any more. */
  clear(): void {
    clearTimeout(this.#timer);
  }
}

/** `p`, or the abort's reason as soon as `signal` fires (a parser that stopped answering). */
export function orAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

/**
 * The parser's batches, each awaited only until `signal` fires. A parser left half-way (the
 * deadline, or the reader's own error) is told to stop, not awaited: it may be the one that hangs.
 */
export async function* untilAborted<T>(rows: AsyncIterable<T> | Iterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : (rows as Iterable<T>)[Symbol.iterator]();
  let done = false;
  try {
    for (;;) {
      const next = await orAbort(Promise.resolve(iterator.next()), signal);
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) Promise.resolve(iterator.return?.()).catch(() => {});
  }
}
