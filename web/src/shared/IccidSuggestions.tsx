/**
 * What to say about an ICCID that finds nothing: a wrong check digit is named as such, and the
 * valid ICCIDs we hold one slip away are offered (GET /simcards/suggest).
 */
import { $api } from '../api/queries';
import { useI18n } from '../i18n/i18n';
import { Link } from '../router';
import { IccidText } from './IccidText';
import './phone.css';

/** True for input that looks meant as an ICCID (not a phone number or the last few digits). */
export function looksLikeIccid(digits: string): boolean {
  return /^89\d{16,19}$/.test(digits);
}

export function IccidSuggestions({ digits }: { digits: string }) {
  const { t } = useI18n();
  const answer = $api.useQuery('get', '/simcards/suggest', { params: { query: { iccid: digits } } }, { staleTime: 30_000 });
  const a = answer.data;
  if (!a || a.iccid !== digits || a.found) return null;
  return (
    <div className="warning-box suggest-box" role="alert" data-testid="iccid-suggestions">
      <p>
        {a.problem === 'check_digit'
          ? t('suggest.check_digit', { digit: String(a.expected_check_digit ?? '') })
          : a.problem === 'length'
            ? t('suggest.length', { count: String(a.iccid.length) })
            : t('sim.not_found')}
      </p>
      {a.suggestions.length > 0 ? (
        <>
          <p>{t('suggest.did_you_mean')}</p>
          <ul className="suggest-list">
            {a.suggestions.map((s) => (
              <li key={s.id}>
                <Link to={`/simcards/${s.id}`} data-testid="iccid-suggestion">
                  <IccidText iccid={s.iccid} />
                </Link>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>{t('suggest.none')}</p>
      )}
    </div>
  );
}
