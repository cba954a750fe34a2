/**
 * Just enough XML for the parts of an XLSX workbook, fed as text chunks: element starts and ends
 * (namespace prefixes dropped), text, CDATA. No DTDs (refused, so no entity expansion), no
 * validation. Text is handed over as it arrives, so a hostile megabyte-long cell never has to
 * be held whole by the scanner; a tag may not be longer than `maxTagChars`.
 */
import type { ValidationError } from '@simcard/common';
import { fileUnreadable } from './file-errors.js';

export interface XmlHandler {
  open(name: string, attributes: string): void;
  close(name: string): void;
  /** Text with entities already decoded (possibly one element's text in several pieces). */
  text(text: string): void;
}

export function malformedXml(reason: string): ValidationError {
  return fileUnreadable('malformed_xlsx', `The XLSX file cannot be read: its XML is malformed (${reason})`, 'file.xlsx_malformed', reason);
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, name: string) => {
    if (name[0] !== '#') return ENTITIES[name]!;
    const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** The value of attribute `name` (prefix ignored) in a start tag's attribute text. */
export function attribute(attributes: string, pattern: RegExp): string | null {
  const m = pattern.exec(attributes);
  return m ? decodeEntities(m[1] ?? m[2] ?? '') : null;
}

/** A pattern for `attribute()`: ` name="…"` or ` prefix:name='…'`. */
export function attributePattern(name: string, prefixed = false): RegExp {
  return new RegExp(`(?:^|\\s)${prefixed ? '[\\w.-]+:' : ''}${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`);
}

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon === -1 ? qualified : qualified.slice(colon + 1);
}

const LT = 60;
const GT = 62;
const QUOTE = 34;
const APOS = 39;

export class XmlScanner {
  private carry = '';

  constructor(
    private readonly handler: XmlHandler,
    private readonly maxTagChars = 64 * 1024,
  ) {}

  push(chunk: string): void {
    const s = this.carry.length > 0 ? this.carry + chunk : chunk;
    const n = s.length;
    const h = this.handler;
    let pos = 0;
    while (pos < n) {
      const lt = s.indexOf('<', pos);
      if (lt === -1) {
        // Text to the end of the chunk; an entity cut by the chunk's end waits for the rest.
        let end = n;
        const amp = s.lastIndexOf('&');
        if (amp >= pos && s.indexOf(';', amp) === -1) end = amp;
        if (end > pos) h.text(decodeEntities(s.slice(pos, end)));
        pos = end;
        break;
      }
      if (lt > pos) h.text(decodeEntities(s.slice(pos, lt)));
      pos = lt;
      const next = s.charCodeAt(lt + 1);
      if (next === 33 /* ! */) {
        if (s.startsWith('<!--', lt)) {
          const end = s.indexOf('-->', lt + 4);
          if (end === -1) break;
          pos = end + 3;
          continue;
        }
        if (s.startsWith('<![CDATA[', lt)) {
          const end = s.indexOf(']]>', lt + 9);
          if (end === -1) break;
          h.text(s.slice(lt + 9, end));
          pos = end + 3;
          continue;
        }
        if (n - lt < 9) break;
        // A DOCTYPE can define entities (the "billion laughs"); no workbook part has one.
        throw malformedXml('a DOCTYPE declaration, which a workbook never has');
      }
      if (next === 63 /* ? */) {
        const end = s.indexOf('?>', lt + 2);
        if (end === -1) break;
        pos = end + 2;
        continue;
      }
      let i = lt + 1;
      let quote = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (quote !== 0) {
          if (c === quote) quote = 0;
        } else if (c === QUOTE || c === APOS) quote = c;
        else if (c === GT) break;
        else if (c === LT) throw malformedXml('a "<" inside a tag');
      }
      if (i >= n) break;
      const inner = s.slice(lt + 1, i);
      pos = i + 1;
      if (inner.charCodeAt(0) === 47 /* / */) {
        h.close(localName(inner.slice(1).trim()));
        continue;
      }
      const selfClosing = inner.charCodeAt(inner.length - 1) === 47;
      const body = selfClosing ? inner.slice(0, -1) : inner;
      const space = body.search(/\s/);
      const name = localName(space === -1 ? body : body.slice(0, space));
      if (name === '') throw malformedXml('an element without a name');
      h.open(name, space === -1 ? '' : body.slice(space));
      if (selfClosing) h.close(name);
    }
    this.carry = pos < n ? s.slice(pos) : '';
    if (this.carry.length > this.maxTagChars) throw malformedXml(`a tag longer than ${this.maxTagChars} characters`);
  }

  /** The part has ended: nothing may be left half-read. */
  end(): void {
    if (this.carry.trim() !== '') throw malformedXml('the part ends inside a tag (a damaged file)');
  }
}
