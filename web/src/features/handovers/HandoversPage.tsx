/**
 * Handovers. Admins: a new handover (preview → commit), and the list, by default the ones still
 * waiting for the shop's confirmation, oldest first, with their age. Staff: their shop's.
 */
import { useState } from 'react';
import { $api, keepPrevious } from '../../api/queries';
import { useUser } from '../../auth/auth';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SelectField } from '../../components/Field';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { NewHandover } from './NewHandover';
import { Age, HandoverStatusBadge } from './parts';
import '../../shared/phone.css';

type Show = 'unconfirmed' | 'discrepancies' | 'all';

export default function HandoversPage() {
  const { t, num, dateTime } = useI18n();
  const user = useUser();
  const [show, setShow] = useState<Show>('unconfirmed');
  const [offset, setOffset] = useState(0);
  const limit = 50;
  const filter =
    show === 'unconfirmed' ? { unconfirmed: 'true' as const } : show === 'discrepancies' ? { discrepancies: 'true' as const } : {};
  // Ages move on: re-read every minute while the list is open.
  const list = $api.useQuery(
    'get',
    '/handovers',
    { params: { query: { limit, offset, ...filter } } },
    { ...keepPrevious, refetchInterval: 60_000 },
  );
  const rows = list.data?.data ?? [];
  return (
    <section aria-labelledby="ho-title">
      <h1 id="ho-title">{t('nav.handovers')}</h1>
      {user.role === 'admin' && <NewHandover />}
      <section aria-labelledby="ho-list-title">
        <h2 id="ho-list-title">{t('handover.list')}</h2>
        <div className="phone-filters">
          <SelectField
            label={t('handover.show')}
            value={show}
            onChange={(e) => {
              setShow(e.target.value as Show);
              setOffset(0);
            }}
            data-testid="ho-filter"
          >
            <option value="unconfirmed">{t('handover.show.unconfirmed')}</option>
            <option value="discrepancies">{t('handover.show.discrepancies')}</option>
            <option value="all">{t('common.all')}</option>
          </SelectField>
        </div>
        <ErrorMessage error={list.error} />
        <ul className="ho-list" aria-busy={list.isFetching} data-testid="ho-list">
          {rows.map((h) => (
            <li key={h.id} className="ho-item" data-testid="ho-item" data-id={h.id}>
              <Link to={`/handovers/${h.id}`}>{h.number}</Link>
              <span>{h.shop_name}</span>
              <span>{t(h.direction === 'return' ? 'handover.direction.return' : 'handover.direction.delivery')}</span>
              <span>{t('handover.sim_count', { count: num(h.sim_count) })}</span>
              <HandoverStatusBadge status={h.status} />
              {h.status === 'awaiting_confirmation' ? (
                <Age seconds={h.age_seconds} />
              ) : (
                <span className="muted">{dateTime(h.confirmed_at)}</span>
              )}
              {h.status === 'confirmed_with_discrepancies' && (
                <span className="error-dot">
                  {t('handover.discrepancy_counts', { missing: num(h.missing_count), unexpected: num(h.unexpected_count) })}
                </span>
              )}
            </li>
          ))}
        </ul>
        {list.data && rows.length === 0 && <p className="muted">{t('common.empty')}</p>}
        {list.data && list.data.total > limit && (
          <nav className="phone-pager" aria-label={t('pager.label')}>
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - limit))}>
              {t('pager.prev')}
            </button>
            <button type="button" disabled={offset + limit >= list.data.total} onClick={() => setOffset(offset + limit)}>
              {t('pager.next')}
            </button>
          </nav>
        )}
      </section>
    </section>
  );
}
