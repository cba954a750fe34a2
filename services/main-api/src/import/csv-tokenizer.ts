/**
 * RFC 4180 CSV records from text fed in chunks, each with the line it starts on. Quotes may hold
 * delimiters and line breaks (`""` is a quote); records end at `\n`, `\r\n` or a lone `\r` (old
 * Mac Excel). Lenient like spreadsheets: text after a closing quote is kept, a stray quote inside
 * an unquoted value is a character. Written for speed: csv-parse spent more time than SQLite on
 * a 100,000-row import.
 */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** The text is not CSV that can be read (a quote never closed, a record too long). */
export class CsvFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
    /** Its code and params on the import error's `file` detail (file-errors.ts). */
    readonly problem: 'file.csv_unclosed_quote' | 'file.csv_record_too_long',
    readonly params: Record<string, number>,
  ) {
    super(message);
  }
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

export class CsvTokenizer {
  /** Text of the record being read when the last chunk ended. */
  private carry = '';
  private line = 1;
  private readonly delimiter: number;
  private readonly delimiterText: string;

  constructor(
    delimiter: string,
    private readonly maxRecordChars: number,
    /** Off: every record goes through the general scanner (tests compare the two). */
    private readonly plainFastPath = true,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
    this.delimiterText = delimiter.charAt(0);
  }

  /** Complete records of `text` (after what came before) are appended to `out`. */
  push(text: string, out: CsvRecord[]): void {
    this.scan(this.carry + text, false, out);
  }

  /** The last record, if the text did not end with a line break. */
  end(out: CsvRecord[]): void {
    this.scan(this.carry, true, out);
    this.carry = '';
  }

  private scan(s: string, final: boolean, out: CsvRecord[]): void {
    const n = s.length;
    const fast = this.plainFastPath;
    // Where the next quote and carriage return are (n: none). A record that ends (`\n` or `\r\n`)
    // before either is plain, the usual case: its cells are the text between delimiters, found
    // with indexOf instead of character by character (issue 14, goal 5: the tokenizer was a
    // tenth of a 100,000-row import's time).
    let nextQuote = fast ? indexOrEnd(s, '"', 0) : 0;
    let nextCr = fast ? indexOrEnd(s, '\r', 0) : 0;
    let nextLf = -1;
    let pos = 0;
    while (pos < n) {
      if (fast && pos < nextQuote) {
        if (nextLf < pos) nextLf = indexOrEnd(s, '\n', pos);
        const nl = nextLf;
        // A `\r` before the `\n` is the line break's (`\r\n`); one further back is a line break of its own.
        if (nl < nextQuote && (nextCr > nl || nextCr === nl - 1)) {
          const end = nextCr === nl - 1 ? nl - 1 : nl;
          if (end > pos) out.push({ line: this.line, cells: this.plainCells(s, pos, end) });
          this.line++;
          pos = nl + 1;
          if (nextCr < pos) nextCr = indexOrEnd(s, '\r', pos);
          continue;
        }
      }
      const next = this.scanRecord(s, pos, final, out);
      if (next === -1) return;
      pos = next;
      if (fast) {
        if (nextQuote < pos) nextQuote = indexOrEnd(s, '"', pos);
        if (nextCr < pos) nextCr = indexOrEnd(s, '\r', pos);
      }
    }
    this.carry = '';
  }

  /** The cells of a record without quotes or line breaks, `s[start, end)`. */
  private plainCells(s: string, start: number, end: number): string[] {
    // split() within the record: indexOf over the chunk would look past the record's end for
    // a delimiter that a one-column file never has.
    return s.slice(start, end).split(this.delimiterText);
  }

  /**
   * One record starting at `pos`, read character by character (quotes, lone `\r`): appended to
   * `out` (unless blank), answering where the next one starts; -1 when `s` ends before the record
   * does (its text is carried to the next chunk) or after the last one.
   */
  private scanRecord(s: string, pos: number, final: boolean, out: CsvRecord[]): number {
    const n = s.length;
    const delimiter = this.delimiter;
    const start = pos;
    const startLine = this.line;
    let line = this.line;
    const cells: string[] = [];
    let i = pos;
    let complete = false;
    record: for (;;) {
      // One cell starting at i.
      let cell = '';
      if (i < n && s.charCodeAt(i) === QUOTE) {
        let j = i + 1;
        for (;;) {
          const q = s.indexOf('"', j);
          if (q === -1) break record; // unclosed so far: need more text
          cell += s.slice(j, q);
          if (q + 1 < n && s.charCodeAt(q + 1) === QUOTE) {
            cell += '"';
            j = q + 2;
            continue;
          }
          if (q + 1 >= n && !final) break record; // might be the first of `""`
          i = q + 1;
          break;
        }
        for (let k = cell.indexOf('\n'); k !== -1; k = cell.indexOf('\n', k + 1)) line++;
      }
      // Unquoted text (or what follows a closing quote) up to a delimiter or line break.
      let j = i;
      while (j < n) {
        const c = s.charCodeAt(j);
        if (c === delimiter || c === LF || c === CR) break;
        j++;
      }
      cell += s.slice(i, j);
      cells.push(cell);
      if (j >= n) {
        if (!final) break record;
        complete = j > start || cells.length > 1 || cell !== '';
        pos = n;
        break record;
      }
      const c = s.charCodeAt(j);
      if (c === delimiter) {
        i = j + 1;
        continue;
      }
      // A line break ends the record; `\r` at the end of a chunk may be the first half of `\r\n`.
      if (c === CR) {
        if (j + 1 >= n && !final) break record;
        pos = j + 1 < n && s.charCodeAt(j + 1) === LF ? j + 2 : j + 1;
      } else pos = j + 1;
      line++;
      complete = true;
      break;
    }
    if (!complete) {
      if (!final) {
        if (n - start > this.maxRecordChars) {
          throw new CsvFormatError(
            startLine,
            `the record starting at line ${startLine} is longer than ${this.maxRecordChars} characters (a quote never closed?)`,
            'file.csv_record_too_long',
            { line: startLine, max: this.maxRecordChars },
          );
        }
        this.carry = s.slice(start);
      } else if (start < n) {
        throw new CsvFormatError(startLine, `a quoted value starting on line ${startLine} is never closed`, 'file.csv_unclosed_quote', {
          line: startLine,
        });
      }
      return -1;
    }
    this.line = line;
    // A blank line is no record (but is still a line).
    if (!(cells.length === 1 && cells[0] === '')) out.push({ line: startLine, cells });
    return pos;
  }
}

/** Where `c` first is in `s` from `from` on; `s.length` when nowhere. */
function indexOrEnd(s: string, c: string, from: number): number {
  const at = s.indexOf(c, from);
  return at === -1 ? s.length : at;
}
