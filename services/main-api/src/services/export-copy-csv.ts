/**
 * The API dump's CSV on PostgreSQL, from the bytes `COPY … TO STDOUT (FORMAT csv)` writes
 * (exportRepository.copyCsvPageAfter): the server does the work `psql \copy` does for the same
 * rows, and this rewrites its CSV into the API's, byte for byte what csvField (export.ts) writes
 * for the values the API shows. COPY already quotes a field exactly when csvField does (a `"`,
 * `,`, CR or LF in it) and doubles its quotes; what differs, and is rewritten here:
 * - an empty string, which COPY quotes (`""`, to tell it from null) and csvField leaves empty;
 * - free text starting like a formula (= + - @ TAB CR): an apostrophe first (inside the quotes
 *   when quoted: quoting is decided on the stored value, as in csvField);
 * - dates, the server's text in UTC (`YYYY-MM-DD HH:MM:SS[.ffffff]`), in the API's form
 *   `YYYY-MM-DDTHH:MM:SS.mmmZ` (milliseconds truncated, as the driver's Date and `to_char`'s MS);
 * - rows end in CRLF (COPY: LF; a line break inside a quoted field is kept as stored).
 * Works on the UTF-8 bytes (every byte it looks for is ASCII, never part of a multi-byte
 * character): no string is made of the page. Anything not in the form expected (a date before
 * year 1000 or after 9999, BC, infinity; a quoted number; ids not increasing) makes the page
 * untrusted: the caller then asks the database for it with the CSV rules in SQL.
 */
const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const APOSTROPHE = 39;

/** A column of the export as COPY writes it: text (free text gets the formula guard), an integer, a date. */
export type CopyCsvKind = 'text' | 'free' | 'int' | 'date';
const TEXT = 0;
const FREE = 1;
const INT = 2;
const DATE = 3;
const KIND_CODES: Record<CopyCsvKind, number> = { text: TEXT, free: FREE, int: INT, date: DATE };

/** The first character of free text a spreadsheet would run as a formula: = + - @ TAB CR. */
function formulaStart(b: number | undefined): boolean {
  return b === 61 || b === 43 || b === 45 || b === 64 || b === 9 || b === 13;
}

const isDigit = (b: number | undefined) => b !== undefined && b >= 48 && b <= 57;

/**
 * Whether `input` holds `YYYY-MM-DD HH:MM:SS` at `i` (timestamp_out's ISO form, year 1000–9999:
 * then `to_char`'s YYYY writes the same four digits).
 */
function isTimestampAt(input: Uint8Array, i: number): boolean {
  return (
    isDigit(input[i]) &&
    input[i] !== 48 &&
    isDigit(input[i + 1]) &&
    isDigit(input[i + 2]) &&
    isDigit(input[i + 3]) &&
    input[i + 4] === 45 &&
    isDigit(input[i + 5]) &&
    isDigit(input[i + 6]) &&
    input[i + 7] === 45 &&
    isDigit(input[i + 8]) &&
    isDigit(input[i + 9]) &&
    input[i + 10] === 32 &&
    isDigit(input[i + 11]) &&
    isDigit(input[i + 12]) &&
    input[i + 13] === 58 &&
    isDigit(input[i + 14]) &&
    isDigit(input[i + 15]) &&
    input[i + 16] === 58 &&
    isDigit(input[i + 17]) &&
    isDigit(input[i + 18])
  );
}

/** The page's rows in the API's CSV (each ending in CRLF), how many, and the last id. */
export interface ApiCsvPage {
  text: Buffer;
  rows: number;
  lastId: number;
}

/**
 * One page of the export as COPY sends it, rewritten chunk by chunk as it arrives (push), then
 * finished. A chunk holds whole rows (the server sends a row a message); a row cut by a chunk's
 * end would be kept and read with the next chunk all the same.
 */
export class CopyCsvPage {
  private out: Buffer;
  private length = 0;
  private carry: Buffer | null = null;
  private rows = 0;
  private trusted = true;

  private readonly kinds: Uint8Array;

  /**
   * `lastId`: the page's rows have greater ids, increasing (the id is the first column);
   * `kinds`: the columns in order.
   */
  constructor(
    private lastId: number,
    kinds: readonly CopyCsvKind[],
    capacity = 1 << 20,
  ) {
    this.kinds = Uint8Array.from(kinds, (k) => KIND_CODES[k]);
    this.out = Buffer.allocUnsafe(capacity);
  }

  push(chunk: Buffer): void {
    if (!this.trusted) return;
    const input = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    // Every rewrite at most doubles a field (a date 19 → 24 bytes; an apostrophe before a 1-byte field; CRLF for LF).
    const need = this.length + 2 * input.length + 64;
    if (need > this.out.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, 2 * this.out.length));
      this.out.copy(bigger, 0, 0, this.length);
      this.out = bigger;
    }
    const end = this.rewrite(input);
    if (end < 0) this.trusted = false;
    else if (end < input.length) this.carry = Buffer.from(input.subarray(end));
  }

  /** The page, or null when it is not to be trusted (see the file's comment). */
  finish(): ApiCsvPage | null {
    if (!this.trusted || this.carry !== null) return null;
    return { text: this.out.subarray(0, this.length), rows: this.rows, lastId: this.lastId };
  }

  /**
   * Rewrites the whole rows of `input` after what is written so far; answers where the first
   * row it could not finish starts (input.length when none), or -1 when the input is not in the
   * form expected.
   */
  private rewrite(input: Uint8Array): number {
    const o = this.out;
    const kinds = this.kinds;
    const last = kinds.length - 1;
    const n = input.length;
    let i = 0;
    while (i < n) {
      const rowStart = i;
      let w = this.length;
      // The id: digits, increasing.
      let id = 0;
      while (i < n && isDigit(input[i])) {
        id = id * 10 + input[i]! - 48;
        o[w++] = input[i++]!;
      }
      if (i >= n) return rowStart;
      if (i === rowStart || input[i] !== COMMA || id <= this.lastId || !Number.isSafeInteger(id)) return -1;
      o[w++] = COMMA;
      i++;
      for (let f = 1; f <= last; f++) {
        if (i >= n) return rowStart;
        const kind = kinds[f]!;
        const b = input[i]!;
        if (b === QUOTE) {
          if (kind === INT || kind === DATE) return -1;
          let j = i + 1;
          if (j + 1 >= n) return rowStart;
          if (input[j] === QUOTE && (input[j + 1] === COMMA || input[j + 1] === LF)) {
            // `""`: an empty string, written empty.
            i = j + 1;
          } else {
            o[w++] = QUOTE;
            if (kind === FREE && formulaStart(input[j])) o[w++] = APOSTROPHE;
            for (;;) {
              if (j + 1 >= n) return rowStart;
              const c = input[j]!;
              if (c === QUOTE) {
                if (input[j + 1] === QUOTE) {
                  o[w++] = QUOTE;
                  o[w++] = QUOTE;
                  j += 2;
                  continue;
                }
                o[w++] = QUOTE;
                j++;
                break;
              }
              o[w++] = c;
              j++;
            }
            i = j;
          }
        } else if (kind === DATE) {
          if (b !== COMMA && b !== LF) {
            if (i + 19 >= n) return rowStart;
            if (!isTimestampAt(input, i)) return -1;
            for (let k = 0; k < 10; k++) o[w++] = input[i + k]!;
            o[w++] = 84; // T
            for (let k = 11; k < 19; k++) o[w++] = input[i + k]!;
            o[w++] = 46; // .
            i += 19;
            let digits = 0;
            if (input[i] === 46) {
              i++;
              while (i < n && isDigit(input[i])) {
                if (digits < 3) o[w++] = input[i]!;
                digits++;
                i++;
              }
              if (i >= n) return rowStart;
              if (digits === 0 || digits > 6) return -1;
            }
            for (; digits < 3; digits++) o[w++] = 48;
            o[w++] = 90; // Z
          }
        } else {
          if (kind === FREE && formulaStart(b)) o[w++] = APOSTROPHE;
          while (i < n) {
            const c = input[i]!;
            if (c === COMMA || c === LF) break;
            // COPY quotes a field holding a quote: one here is not COPY's CSV.
            if (c === QUOTE) return -1;
            o[w++] = c;
            i++;
          }
        }
        if (i >= n) return rowStart;
        if (f < last) {
          if (input[i] !== COMMA) return -1;
          o[w++] = COMMA;
        } else {
          if (input[i] !== LF) return -1;
          o[w++] = CR;
          o[w++] = LF;
        }
        i++;
      }
      this.length = w;
      this.rows++;
      this.lastId = id;
    }
    return n;
  }
}
