/** One SIM: its details, "check status now", edit, and its history, newest first. */
import { useState } from 'react';
import type { HistoryEvent } from '../../api/models';
import { $api, useInvalidate } from '../../api/queries';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useNotify } from '../../components/Notices';
import { useShopNames } from '../../components/ShopSelect';
import { StatusBadge, useStatusChange } from '../../components/StatusBadge';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { groupIccid } from '../../shared/iccid';
import { SimEditDialog } from '../../shared/SimEditDialog';
import { useCheckStatus } from '../../shared/useCheckStatus';

const historyKeys: Record<HistoryEvent['type'], MessageKey> = {
  imported: 'history.imported',
  assigned: 'history.assigned',
  transferred: 'history.transferred',
  returned: 'history.returned',
  edited: 'history.edited',
  status_changed: 'history.status_changed',
};

function History({ simId }: { simId: number }) {
  const { t, dateTime } = useI18n();
  const shopName = useShopNames();
  const history = $api.useQuery('get', '/simcards/{id}/history', { params: { path: { id: simId } } });
  const events = history.data?.events ?? [];
  const statusChange = useStatusChange();
  const describe = (e: HistoryEvent): string => {
    switch (e.type) {
      case 'imported':
        return e.batch_id ? `${t('field.batch')}: ${e.batch_id}` : '';
      case 'assigned':
      case 'transferred':
      case 'returned':
        return [
          e.from_shop_id !== null && `${t('field.from')}: ${shopName(e.from_shop_id)}`,
          e.to_shop_id !== null && `${t('field.to')}: ${shopName(e.to_shop_id)}`,
          e.username,
        ]
          .filter(Boolean)
          .join(' · ');
      case 'edited':
        return [e.changes.map((c) => c.field).join(', '), e.username].filter(Boolean).join(' · ');
      case 'status_changed':
        return statusChange(e.previous_status, e.new_status);
    }
  };
  return (
    <section id="history" aria-labelledby="history-title" className="card">
      <h2 id="history-title">{t('sim.history')}</h2>
      <ErrorMessage error={history.error} />
      {history.data && events.length === 0 && <p className="muted">{t('common.empty')}</p>}
      <ol className="timeline" data-testid="sim-history">
        {events.map((e, i) => (
          <li key={i} data-testid="history-event" data-type={e.type}>
            <time dateTime={e.at}>{dateTime(e.at)}</time>
            <strong>{t(historyKeys[e.type])}</strong>
            <span className="muted">{describe(e)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

export default function SimcardPage({ params }: { params: Record<string, string> }) {
  const { t, num, dateTime } = useI18n();
  const notify = useNotify();
  const id = Number(params.id);
  // A sale of this SIM (live), a check or an edit re-reads it and its history (resource `simcards`).
  const sim = $api.useQuery('get', '/simcards/{id}', { params: { path: { id } } });
  const invalidate = useInvalidate();
  const shopName = useShopNames();
  const [editing, setEditing] = useState(false);
  const { check, checking } = useCheckStatus();

  if (sim.error) return <ErrorMessage error={sim.error} />;
  const s = sim.data;
  if (!s) return <p role="status">{t('common.loading')}</p>;
  const rows: Array<[string, string]> = [
    [t('field.msisdn'), s.msisdn ?? '—'],
    [t('field.operator'), s.operator ?? '—'],
    [t('field.tariff'), s.tariff ?? '—'],
    [t('field.price'), s.price === null ? '—' : num(s.price)],
    [t('field.batch'), s.batch_id ?? '—'],
    [t('field.shop'), shopName(s.shop_id)],
    [t('field.provider_status'), s.provider_status ? t(`provider.${s.provider_status}`) : '—'],
    [t('field.assigned_at'), dateTime(s.assigned_at)],
    [t('field.activated_at'), dateTime(s.activated_at)],
    [t('field.sold_at'), dateTime(s.sold_at)],
    [t('field.last_checked'), dateTime(s.last_checked_at)],
    [t('field.last_check_error'), s.last_check_error ?? '—'],
    [t('field.notes'), s.notes ?? '—'],
    [t('field.created_at'), dateTime(s.created_at)],
  ];
  return (
    <section aria-labelledby="sim-title">
      <p>
        <Link to="/simcards">← {t('nav.simcards')}</Link>
      </p>
      <div className="page-head">
        <h1 id="sim-title" className="mono" data-testid="sim-iccid">
          {groupIccid(s.iccid)}
        </h1>
        <StatusBadge status={s.status} />
      </div>
      <div className="actions left">
        <button type="button" className="primary" onClick={() => void check(s)} disabled={checking !== null} data-testid="sim-check">
          {checking !== null ? t('sim.checking') : t('sim.check')}
        </button>
        <button type="button" onClick={() => setEditing(true)} data-testid="sim-edit-open">
          {t('action.edit')}
        </button>
      </div>
      <dl className="details card">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {/* Keyed by the SIM's version: an edit or a check re-reads the history. */}
      <History key={s.updated_at} simId={s.id} />
      {editing && (
        <SimEditDialog
          sim={s}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            void invalidate(['simcards']);
            notify(t('common.saved', { name: saved.iccid }), 'success');
          }}
        />
      )}
    </section>
  );
}
