/**
 * Form validation in the page's language. The browser's own checks (required, pattern, min, …)
 * are said with our sentences (components/Field.tsx cancels its bubbles); the rules the server
 * checks on identifiers are the server's own functions (common/src/identifiers.ts, pure), so a
 * form refuses exactly what the API would, and says why in uz, ru or en.
 */
import { parseIccid, parseMsisdn } from '../../../common/src/identifiers';
import { reasonText } from './errors';
import type { MessageKey } from './uz';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** The sentence for a control the browser found invalid. */
export function validityMessage(t: Translate, el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): string {
  const v = el.validity;
  if (v.customError) return el.validationMessage; // set by `validate`: already ours, translated
  if (v.valueMissing) return t('form.required');
  const input = el as HTMLInputElement;
  if (v.tooShort) return t('form.too_short', { min: input.minLength });
  if (v.tooLong) return t('form.too_long', { max: input.maxLength });
  if (v.rangeUnderflow) return t('form.min', { min: input.min });
  if (v.rangeOverflow) return t('form.max', { max: input.max });
  if (v.typeMismatch) return t(input.type === 'email' ? 'form.email' : input.type === 'url' ? 'form.url' : 'form.invalid');
  if (v.badInput || v.stepMismatch) return t('form.number');
  return t('form.invalid');
}

/** An ICCID field's rule (empty is left to `required`): the server's parseIccid, said in the page's language. */
export function iccidRule(t: Translate): (value: string) => string | null {
  return (value) => {
    if (!value.trim()) return null;
    const r = parseIccid(value);
    return r.ok ? null : reasonText(t, r);
  };
}

/** A phone number field's rule: the server's parseMsisdn. */
export function msisdnRule(t: Translate): (value: string) => string | null {
  return (value) => {
    if (!value.trim()) return null;
    const r = parseMsisdn(value);
    return r.ok ? null : reasonText(t, r);
  };
}
