/**
 * The browser's own form checks (required, pattern, min, …) said with our sentences
 * (components/Field.tsx cancels its bubbles). Apart from i18n/validation.ts (the identifiers'
 * rules, with the reasons' sentences of i18n/errors.ts): the sign-in form needs only these, and
 * Field is in the first chunk.
 */
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
