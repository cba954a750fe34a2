/**
 * Form rules in the page's language: the rules the server checks on identifiers are the server's
 * own functions (common/src/identifiers.ts, pure), so a form refuses exactly what the API would,
 * and says why in uz, ru or en. The browser's own checks (required, pattern, min, …) are
 * i18n/validity.ts: the sign-in form's Field needs only those, so the first chunk carries neither
 * these rules nor the reasons' sentences (i18n/errors.ts).
 */
import { parseIccid, parseMsisdn } from '../../../common/src/identifiers';
import { reasonText } from './errors';
import type { MessageKey } from './uz';

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

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
