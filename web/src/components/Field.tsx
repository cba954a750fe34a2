/**
 * A labelled form control: the label is always tied to its input for screen readers.
 *
 * Validation speaks the page's language: the browser still checks `required`, `pattern`,
 * `min`/`max`, … before a form is sent, but its bubble (in the browser's language) is cancelled
 * and our sentence is shown under the field (i18n/validation.ts). `validate` adds a rule of ours,
 * e.g. the server's own ICCID/MSISDN rules from common/src/identifiers.ts.
 */
import { type FormEvent, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, useId, useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { validityMessage } from '../i18n/validity';

type Control = HTMLInputElement | HTMLSelectElement;

/** The field's error, from the browser's checks (plus `validate`), in the page's language. */
function useValidation(validate?: (value: string) => string | null) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const check = (el: Control) => {
    if (validate) el.setCustomValidity(validate(el.value) ?? '');
    return el.validity.valid ? null : validityMessage(t, el);
  };
  return {
    error,
    onInvalid: (e: FormEvent<Control>) => {
      e.preventDefault(); // no browser bubble: ours is shown instead
      setError(check(e.currentTarget));
      // With every bubble cancelled the browser focuses nothing: the first bad field gets it.
      if (e.currentTarget.form?.querySelector(':invalid') === e.currentTarget) e.currentTarget.focus();
    },
    /** On each change: our rule is re-applied; a shown error follows the value (and goes once it is right). */
    onChange: (e: FormEvent<Control>) => {
      const message = check(e.currentTarget);
      if (error !== null || message === null) setError(message);
    },
    /**
     * Leaving a field with a rule of ours (an ICCID, a phone number) says what is wrong at once,
     * also in a filter that is never submitted; an empty field waits for the form's `required`.
     */
    onBlur: (e: FormEvent<Control>) => {
      if (validate && e.currentTarget.value.trim() !== '') setError(check(e.currentTarget));
    },
  };
}

export function TextField({
  label,
  hint,
  validate,
  ...input
}: { label: string; hint?: string; validate?: (value: string) => string | null } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const v = useValidation(validate);
  const describedBy = [hint ? `${id}-hint` : '', v.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-describedby={describedBy}
        aria-invalid={v.error ? true : undefined}
        {...input}
        onInvalid={(e) => {
          v.onInvalid(e);
          input.onInvalid?.(e);
        }}
        onChange={(e) => {
          v.onChange(e);
          input.onChange?.(e);
        }}
        onBlur={(e) => {
          v.onBlur(e);
          input.onBlur?.(e);
        }}
      />
      {hint && (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      )}
      {v.error && (
        <small id={`${id}-error`} className="field-error" data-testid="field-error">
          {v.error}
        </small>
      )}
    </div>
  );
}

export function SelectField({
  label,
  children,
  ...select
}: { label: string; children: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  const v = useValidation();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        aria-describedby={v.error ? `${id}-error` : undefined}
        aria-invalid={v.error ? true : undefined}
        {...select}
        onInvalid={(e) => {
          v.onInvalid(e);
          select.onInvalid?.(e);
        }}
        onChange={(e) => {
          v.onChange(e);
          select.onChange?.(e);
        }}
      >
        {children}
      </select>
      {v.error && (
        <small id={`${id}-error`} className="field-error" data-testid="field-error">
          {v.error}
        </small>
      )}
    </div>
  );
}

export function CheckboxField({ label, ...input }: { label: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="field field-check">
      <input id={id} type="checkbox" {...input} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}
