/**
 * Bytes → text, for files as people really save them: UTF-8 with or without a BOM, UTF-16 (Excel's
 * "Unicode text"), or Windows-1251 from Russian-locale Excel. The encoding is decided on the first
 * 64 KB (the header and first rows) and the rest is decoded as a stream.
 */
import type { Readable } from 'node:stream';
import { iconv } from '../lazy-modules.js';
import { fileUnreadable } from './file-errors.js';

const SNIFF_BYTES = 64 * 1024;

export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'win1251';

export function detectEncoding(head: Buffer): TextEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  try {
    // `stream: true` keeps a character cut at the end of the sample from counting as invalid.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return 'utf8';
  } catch {
    // Not UTF-8: the other encoding Uzbek and Russian offices' Excel writes.
    return 'win1251';
  }
}

/** UTF-8 that refuses invalid bytes (400 `invalid_encoding`, with the byte's offset). */
function strictUtf8(): { write(b: Buffer): string; end(): string | undefined } {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  const fail = (): never => {
    throw fileUnreadable(
      'invalid_encoding',
      `The file is not valid UTF-8 (a byte near offset ${offset} is not): save it as "CSV UTF-8" (or as CSV in the Windows Cyrillic encoding) and import again`,
      'file.not_utf8',
      'is not valid UTF-8',
      { offset },
      { offset },
    );
  };
  return {
    write(b) {
      try {
        const text = decoder.decode(b, { stream: true });
        offset += b.length;
        return text;
      } catch {
        return fail();
      }
    },
    end() {
      try {
        return decoder.decode();
      } catch {
        return fail();
      }
    },
  };
}

/** Decoded text chunks of `input`, with any BOM removed; `onEncoding` learns what was detected. */
export async function* decodeText(input: Readable, onEncoding?: (encoding: TextEncoding) => void): AsyncGenerator<string> {
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  const state: { decoder: { write(b: Buffer): string; end(): string | undefined } | null; first: boolean } = { decoder: null, first: true };

  /** Decides the encoding on what has been buffered and decodes it. */
  const start = (): string => {
    const head = Buffer.concat(pending);
    pending.length = 0;
    if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
      throw fileUnreadable(
        'wrong_format',
        'This file is an XLSX workbook, not CSV text: upload it as a .xlsx file (multipart) or with its XLSX content type',
        'file.xlsx_as_text',
        'is an XLSX workbook, not CSV text',
      );
    }
    const encoding = detectEncoding(head);
    onEncoding?.(encoding);
    // Once the start is UTF-8 the rest must be too: a bad byte further on is refused rather than
    // stored as U+FFFD (iconv replaces silently), naming where it is.
    state.decoder = encoding === 'utf8' ? strictUtf8() : iconv().getDecoder(encoding, { stripBOM: true });
    return state.decoder.write(head);
  };
  const clean = (text: string): string => {
    if (state.first && text.length > 0) {
      state.first = false;
      return text.replace(/^\uFEFF/, '');
    }
    return text;
  };

  for await (const chunk of input as AsyncIterable<Buffer>) {
    if (state.decoder) {
      const text = clean(state.decoder.write(chunk));
      if (text) yield text;
      continue;
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= SNIFF_BYTES) {
      const text = clean(start());
      if (text) yield text;
    }
  }
  let tail = state.decoder ? '' : clean(start());
  tail += clean(state.decoder!.end() ?? '');
  if (tail) yield tail;
}
