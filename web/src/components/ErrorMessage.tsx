/** An API error in the user's language, with the bad fields named when the API says which. */
import { ApiError, type ErrorDetail } from '../api/client';
import { errorKey, fieldKeys, type Reasoned, reasonText } from '../i18n/errors';
import { useI18n } from '../i18n/i18n';

/** Errors whose details carry a number the sentence can say, so no raw details are shown. */
function availableInStock(err: unknown): number | null {
  if (!(err instanceof ApiError) || err.code !== 'insufficient_stock') return null;
  const available = err.details[0]?.available;
  return typeof available === 'number' ? available : null;
}

type Translate = ReturnType<typeof useI18n>['t'];

/**
 * A detail's field (`body.price` → "Price"; an item of a list, `iccids.3` → "ICCID #4"), or ''
 * when it names none.
 */
function fieldLabel(t: Translate, d: ErrorDetail): string {
  const field = d.field ? d.field.replace(/^(body|query|path)\.?/, '') : '';
  const item = /^(\w+)\.(\d+)$/.exec(field);
  if (item) {
    const listKey = fieldKeys[item[1]!] ?? fieldKeys[item[1]!.replace(/s$/, '')];
    if (listKey) return `${t(listKey)} #${Number(item[2]) + 1}`;
  }
  const fieldKey = fieldKeys[field];
  return fieldKey ? t(fieldKey) : field;
}

/** The details worth saying: each names a field or a reason (not those of an error whose sentence says its number). */
function detailsOf(error: unknown): ErrorDetail[] {
  return error instanceof ApiError && availableInStock(error) === null ? error.details.filter((d) => d.field || d.reason) : [];
}

/**
 * An error as one line (a notice): the error's sentence, then what is wrong with each field
 * (at most three), all in the page's language, from the details' codes and params.
 */
export function useErrorText() {
  const { t, num } = useI18n();
  return (err: unknown): string => {
    const available = availableInStock(err);
    if (available !== null) return t('error.insufficient_stock_n', { count: num(available) });
    const base = t(errorKey(err));
    if (err instanceof ApiError && err.status === 429 && err.retryAfter)
      return `${base} ${t('error.retry_after', { seconds: err.retryAfter })}`;
    const details = detailsOf(err)
      .slice(0, 3)
      .map((d) => {
        const field = fieldLabel(t, d);
        return `${field ? `${field}: ` : ''}${reasonText(t, d as Reasoned)}`;
      });
    return details.length > 0 ? `${base} ${details.join('; ')}` : base;
  };
}

export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useI18n();
  const text = useErrorText();
  if (!error) return null;
  const details = detailsOf(error);
  return (
    <div className="error-box" role="alert" data-testid="error-message">
      <p>{text(error)}</p>
      {details.length > 0 && (
        <ul>
          {details.slice(0, 10).map((d, i) => {
            const field = fieldLabel(t, d);
            return (
              <li key={i}>
                {field && <strong>{field}: </strong>}
                {reasonText(t, d as Reasoned)}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
