/**
 * One handover: what was handed over, to whom, by whom; its confirmation (scan or "all
 * received") while it waits; missing and unexpected SIMs after it; the printable sheet.
 */
import { $api, useInvalidate } from '../../api/queries';
import { useUser } from '../../auth/auth';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { IccidText } from '../../shared/IccidText';
import { Age, HandoverStatusBadge } from './parts';
import { Receipt } from './Receipt';

export default function HandoverPage({ params }: { params: Record<string, string> }) {
  const { t, num, dateTime } = useI18n();
  const user = useUser();
  const invalidate = useInvalidate();
  const doc = $api.useQuery('get', '/handovers/{id}', { params: { path: { id: Number(params.id) } } });
  const h = doc.data;
  if (doc.error && !h) return <ErrorMessage error={doc.error} />;
  if (!h) return <p className="muted">{t('common.loading')}</p>;
  const canConfirm = h.status === 'awaiting_confirmation' && (user.role === 'admin' || h.direction === 'delivery');
  return (
    <section aria-labelledby="ho-doc-title">
      <h1 id="ho-doc-title" data-testid="ho-number">
        {h.number}
      </h1>
      <dl className="details card">
        <div>
          <dt>{t('field.shop')}</dt>
          <dd>{h.shop_name}</dd>
        </div>
        <div>
          <dt>{t('handover.direction')}</dt>
          <dd>{t(h.direction === 'return' ? 'handover.direction.return' : 'handover.direction.delivery')}</dd>
        </div>
        <div>
          <dt>{t('field.status')}</dt>
          <dd>
            <HandoverStatusBadge status={h.status} /> {h.status === 'awaiting_confirmation' && <Age seconds={h.age_seconds} />}
          </dd>
        </div>
        <div>
          <dt>{t('handover.count')}</dt>
          <dd data-testid="ho-count">{num(h.sim_count)}</dd>
        </div>
        <div>
          <dt>{t('handover.created')}</dt>
          <dd>
            {dateTime(h.created_at)} · {h.created_by.username}
          </dd>
        </div>
        {h.confirmed_at && (
          <div>
            <dt>{t('handover.confirmed')}</dt>
            <dd>
              {dateTime(h.confirmed_at)} · {h.confirmed_by?.username}
            </dd>
          </div>
        )}
        {h.note && (
          <div>
            <dt>{t('handover.note')}</dt>
            <dd>{h.note}</dd>
          </div>
        )}
      </dl>
      <p>
        <Link to={`/handovers/${h.id}/print`} className="button" data-testid="ho-print">
          {t('handover.print')}
        </Link>
      </p>
      {(h.missing.length > 0 || h.unexpected.length > 0) && (
        <section className="warning-box" role="alert" data-testid="ho-discrepancies">
          {h.missing.length > 0 && (
            <>
              <p>{t('handover.missing', { count: num(h.missing.length) })}</p>
              <ul className="ho-sims">
                {h.missing.map((i) => (
                  <li key={i} data-testid="ho-missing">
                    <IccidText iccid={i} />
                  </li>
                ))}
              </ul>
            </>
          )}
          {h.unexpected.length > 0 && (
            <>
              <p>{t('handover.unexpected', { count: num(h.unexpected.length) })}</p>
              <ul className="ho-sims">
                {h.unexpected.map((u) => (
                  <li key={u.iccid} data-testid="ho-unexpected">
                    <IccidText iccid={u.iccid} />
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
      {canConfirm ? (
        <Receipt handover={h} onDone={() => invalidate(['handovers'])} />
      ) : (
        <section className="card" aria-labelledby="ho-sims-title">
          <h2 id="ho-sims-title">{t('handover.sims')}</h2>
          <ul className="ho-sims">
            {h.simcards.map((s) => (
              <li key={s.iccid} className={s.received === true ? 'received' : s.received === false ? 'missing' : undefined}>
                {s.simcard_id ? (
                  <Link to={`/simcards/${s.simcard_id}`}>
                    <IccidText iccid={s.iccid} />
                  </Link>
                ) : (
                  <IccidText iccid={s.iccid} />
                )}
                <span className="muted">{s.msisdn ?? ''}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
