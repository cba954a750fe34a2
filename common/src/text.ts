/**
 * The one rule for names and free text people type (shop names, full names, notes, …), used by
 * every schema that takes such a field:
 *
 * - NFC-normalised (the same name typed on two phones is stored the same way);
 * - control characters refused (C0 and C1, DEL; free text may hold tabs and line breaks);
 * - bidirectional overrides, embeddings and isolates (U+202A–U+202E, U+2066–U+2069) refused: they
 *   make a name display as something else ("shop‮gnp.exe");
 * - unpaired surrogates refused (they cannot be stored as UTF-8);
 * - a name must hold at least one visible character (a letter, digit, punctuation or symbol), so
 *   a shop named only with zero-width characters is refused.
 */
import { z } from 'zod';

const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_IN_NAME = /[\u0000-\u001F\u007F-\u009F]/;
/** Free text keeps tab, line feed and carriage return. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}\p{M}]/u;

export interface TextRuleOptions {
  /** Tabs and line breaks allowed (notes); names never. */
  multiline?: boolean;
}

/** Why `value` (already NFC and trimmed) breaks the rule, or null when it does not. */
export function textProblem(value: string, { multiline = false }: TextRuleOptions = {}): string | null {
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode text (no unpaired surrogates)';
  if ((multiline ? CONTROL_IN_TEXT : CONTROL_IN_NAME).test(value)) return 'must not contain control characters';
  if (BIDI_CONTROL.test(value)) return 'must not contain bidirectional override or isolate characters';
  if (value !== '' && !VISIBLE.test(value)) return 'must contain visible characters';
  return null;
}

/** A string normalised to NFC and trimmed, then checked by the rule; length limits apply after normalisation. */
export function cleanText(options: TextRuleOptions & { min?: number; max: number }) {
  return z
    .string()
    .transform((s) => s.normalize('NFC').trim())
    .superRefine((s, ctx) => {
      const problem = textProblem(s, options);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .pipe(
      z
        .string()
        .min(options.min ?? 0)
        .max(options.max),
    );
}

/** A required name: 1..max characters, at least one of them visible, on one line. */
export const nameText = (max: number) => cleanText({ min: 1, max });
