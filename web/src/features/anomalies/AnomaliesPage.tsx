/**
 * Anomalies (admins): each kind a list with the SIM, its shop and the action that resolves it
 * (open the SIM, check it now, mark it reviewed with a note). On top, why the dashboard's sold
 * total and its by-shop chart differ: sales from stock are credited to no shop.
 */
import { type FormEvent, useState } from 'react';
import { data, http } from '../../api/client';
import type { components } from '../../api/generated/schema';
import type { Simcard } from '../../api/models';
import { $api, keepPrevious, useInvalidate } from '../../api/queries';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SelectField, TextField } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { Pager } from '../../components/Pager';
import { useShopNames } from '../../components/ShopSelect';
import { StatusBadge } from '../../components/StatusBadge';
import { EmptyRow, TableScroll, Th } from '../../components/Table';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { Link, useRoute } from '../../router';
import { useCheckStatus } from '../../shared/useCheckStatus';
import '../../shared/statements.css';

type Kind = components['schemas']['AnomalyReview']['kind'];
const KINDS: Kind[] = [
  'activated_in_stock',
  'activated_before_assignment',
  'stale_assigned',
  'unknown_to_provider',
  'operator_prefix_mismatch',
];

function ReviewDialog({ kind, sim, onClose }: { kind: Kind; sim: Simcard; onClose: () => void }) {
  const { t } = useI18n();
  const invalidate = useInvalidate();
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await data(http.PUT('/anomalies/{kind}/{id}/review', { params: { path: { kind, id: sim.id } }, body: { note } }));
      await invalidate(['anomaly-reviews']);
      onClose();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal title={`${t('anom.review')}: ${sim.iccid}`} onClose={onClose} testId="review-dialog">
      <form onSubmit={submit}>
        <TextField
          label={t('anom.note')}
          required
          maxLength={1000}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          data-testid="review-note"
        />
        <ErrorMessage error={error} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            {t('action.cancel')}
          </button>
          <button type="submit" className="primary" data-testid="review-save">
            {t('action.save')}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Why the dashboard's sold total is not the sum of its by-shop chart. */
function Reconcile({ stock }: { stock: number | undefined }) {
  const { t, num } = useI18n();
  const stats = $api.useQuery('get', '/statistics', { params: { query: {} } });
  const shops = $api.useQuery('get', '/statistics/shops', { params: { query: { limit: 500, sort: '-sold' } } });
  if (!stats.data || !shops.data || stock === undefined) return null;
  // Every shop's credited sales (a dealer has at most a few hundred shops: one page of 500).
  const credited = shops.data.data.reduce((n, s) => n + s.sold, 0);
  const total = stats.data.simcards.by_status.sold;
  const rest = total - credited - stock;
  return (
    <div className="info-box" role="note" data-testid="anomalies-reconcile">
      <p>{t('anom.reconcile', { total: num(total), shops: num(credited), stock: num(stock) })}</p>
      {rest !== 0 && <p className="muted">{t('anom.reconcile_rest', { rest: num(Math.abs(rest)) })}</p>}
    </div>
  );
}

export default function AnomaliesPage() {
  const { t, num } = useI18n();
  const { search, navigate } = useRoute();
  const invalidate = useInvalidate();
  const shopName = useShopNames();
  const { check, checking } = useCheckStatus();
  const kind = (KINDS as string[]).includes(search.get('kind') ?? '') ? (search.get('kind') as Kind) : 'activated_in_stock';
  const [page, setPage] = useState({ offset: 0, limit: 50 });
  const [reviewing, setReviewing] = useState<Simcard | null>(null);
  const summary = $api.useQuery('get', '/anomalies', {});
  const list = $api.useQuery('get', '/anomalies/{kind}', { params: { path: { kind }, query: page } }, keepPrevious);
  const rows = list.data?.data ?? [];
  const ids = rows.map((r) => r.id).join(',');
  const reviews = $api.useQuery('get', '/anomaly-reviews', { params: { query: { kind, simcard_ids: ids } } }, { enabled: ids !== '' });
  const reviewOf = (id: number) => reviews.data?.data.find((r) => r.simcard_id === id);

  return (
    <section aria-labelledby="anomalies-title" className="money-page">
      <div className="page-head">
        <h1 id="anomalies-title">{t('anom.title')}</h1>
      </div>
      <Reconcile stock={summary.data?.counts.activated_in_stock} />
      <ErrorMessage error={summary.error} />
      <div className="filters">
        <SelectField
          label={t('anom.title')}
          value={kind}
          onChange={(e) => {
            setPage({ offset: 0, limit: page.limit });
            navigate(`/anomalies?kind=${e.target.value}`, { replace: true });
          }}
          data-testid="anomaly-kind"
        >
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`anom.kind.${k}` as MessageKey)} ({num(summary.data?.counts[k])})
            </option>
          ))}
        </SelectField>
      </div>
      <ErrorMessage error={list.error} />
      <TableScroll label={t(`anom.kind.${kind}` as MessageKey)} busy={list.isFetching}>
        <table data-testid="anomaly-table">
          <thead>
            <tr>
              <th scope="col">{t('field.iccid')}</th>
              <th scope="col">{t('field.shop')}</th>
              <Th optional>{t('field.status')}</Th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((sim) => {
              const review = reviewOf(sim.id);
              const shopId = sim.sold_shop_id ?? sim.shop_id;
              return (
                <tr key={sim.id} data-testid="anomaly-row">
                  <td className="iccid">
                    <Link to={`/simcards/${sim.id}`}>{sim.iccid}</Link>
                    {review && (
                      <div className="muted" data-testid="anomaly-reviewed">
                        {t('anom.reviewed', { who: review.reviewed_by, note: review.note })}
                      </div>
                    )}
                  </td>
                  <td>{shopId === null ? '—' : <Link to={`/shops/${shopId}`}>{shopName(shopId)}</Link>}</td>
                  <td className="opt">
                    <StatusBadge status={sim.status} />
                  </td>
                  <td>
                    <div className="anomaly-actions">
                      <button type="button" onClick={() => navigate(`/simcards/${sim.id}`)}>
                        {t('anom.open')}
                      </button>
                      <button type="button" disabled={checking === sim.id} onClick={() => void check(sim)}>
                        {t('anom.check')}
                      </button>
                      {review ? (
                        <button
                          type="button"
                          onClick={async () => {
                            await data(http.DELETE('/anomalies/{kind}/{id}/review', { params: { path: { kind, id: sim.id } } }));
                            await invalidate(['anomaly-reviews']);
                          }}
                        >
                          {t('anom.unreview')}
                        </button>
                      ) : (
                        <button type="button" onClick={() => setReviewing(sim)} data-testid="anomaly-review">
                          {t('anom.review')}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              );
            })}
            <EmptyRow show={list.data && rows.length === 0} columns={4} />
          </tbody>
        </table>
      </TableScroll>
      {list.data && (
        <Pager total={list.data.total} limit={page.limit} offset={page.offset} onChange={(offset, limit) => setPage({ offset, limit })} />
      )}
      {reviewing && <ReviewDialog kind={kind} sim={reviewing} onClose={() => setReviewing(null)} />}
    </section>
  );
}
