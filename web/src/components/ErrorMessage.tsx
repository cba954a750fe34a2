/** An API error in the user's language, with the bad fields named when the API says which. */
import { ApiError } from '../api/client';
import { errorKey, fieldKeys, reasonKeys } from '../i18n/errors';
import { useI18n } from '../i18n/i18n';

/** Errors whose details carry a number the sentence can say, so no raw details are shown. */
function availableInStock(err: unknown): number | null {
  if (!(err instanceof ApiError) || err.code !== 'insufficient_stock') return null;
  const available = err.details[0]?.available;
  return typeof available === 'number' ? available : null;
}

export function useErrorText() {
  const { t, num } = useI18n();
  return (err: unknown): string => {
    const available = availableInStock(err);
    if (available !== null) return t('error.insufficient_stock_n', { count: num(available) });
    const base = t(errorKey(err));
    if (err instanceof ApiError && err.status === 429 && err.retryAfter) return `${base} ${t('error.retry_after', { seconds: err.retryAfter })}`;
    return base;
  };
}

export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useI18n();
  const text = useErrorText();
  if (!error) return null;
  const details = error instanceof ApiError && availableInStock(error) === null ? error.details.filter((d) => d.field || d.reason) : [];
  return (
    <div className="error-box" role="alert" data-testid="error-message">
      <p>{text(error)}</p>
      {details.length > 0 && (
        <ul>
          {details.slice(0, 10).map((d, i) => {
            const field = d.field ? d.field.replace(/^(body|query|path)\.?/, '') : '';
            const fieldKey = fieldKeys[field];
            const reasonKey = reasonKeys[d.reason];
            return (
              <li key={i}>
                {field && <strong>{fieldKey ? t(fieldKey) : field}: </strong>}
                {reasonKey ? t(reasonKey) : d.reason}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
