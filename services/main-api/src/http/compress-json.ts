/**
 * JSON answers above 1 KB are compressed for clients that accept it (brotli, else gzip): a page
 * of 50 SIMs is ~20 KB of JSON and ~3 KB compressed, which is what a phone on a slow link waits
 * for. Synchronous, at a low level: for bodies of this size it costs tens of microseconds, less
 * than a round trip through libuv's thread pool (which the SQLite driver needs). Streams (exports,
 * live events) and non-JSON bodies are left alone.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Middleware } from 'koa';

export function compressJson(thresholdBytes = 1024): Middleware {
  return async (ctx, next) => {
    await next();
    const body: unknown = ctx.body;
    if (body === null || body === undefined || ctx.method === 'HEAD' || ctx.response.get('Content-Encoding')) return;
    ctx.vary('Accept-Encoding');
    // Brotli whenever it is accepted at all (browsers list it last, at the same weight as gzip).
    // Asked first: a client that accepts neither costs no serialization here.
    const accepted = ctx.acceptsEncodings() as string[];
    const encoding = accepted.includes('br') ? 'br' : accepted.includes('gzip') ? 'gzip' : null;
    if (encoding === null) return;
    let text: string;
    if (typeof body === 'string') {
      if (!ctx.response.is('json')) return;
      text = body;
    } else if (typeof body === 'object' && !Buffer.isBuffer(body) && typeof (body as { pipe?: unknown }).pipe !== 'function') {
      text = JSON.stringify(body);
    } else {
      return;
    }
    // A string's length is at most its UTF-8 byte count: below the threshold it is surely small.
    if (text.length < thresholdBytes && Buffer.byteLength(text) < thresholdBytes) {
      if (typeof body !== 'string') ctx.body = text; // serialized once, not again by koa
      return;
    }
    const type = ctx.response.get('Content-Type') || 'application/json; charset=utf-8';
    ctx.body =
      encoding === 'br'
        ? brotliCompressSync(text, { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: text.length } })
        : gzipSync(text, { level: 6 });
    ctx.set('Content-Type', type);
    ctx.set('Content-Encoding', encoding);
  };
}
