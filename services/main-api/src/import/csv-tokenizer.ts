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

  constructor(
    delimiter: string,
    private readonly maxRecordChars: number,
  ) {
    this.delimiter = delimiter.charCodeAt(0);
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
    const delimiter = this.delimiter;
    let pos = 0;
    for (;;) {
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
        return;
      }
      this.line = line;
      // A blank line is no record (but is still a line).
      if (!(cells.length === 1 && cells[0] === '')) out.push({ line: startLine, cells });
      if (pos >= n) {
        this.carry = '';
        return;
      }
    }
  }
}
