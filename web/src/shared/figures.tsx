/**
 * Figures shared by the dashboard and the shop page: a figure card, and a shop's figures with
 * its sales per day (kept current by the query cache's live invalidation, live/invalidate.tsx).
 */
import type { DaySales } from '../api/models';
import { $api } from '../api/queries';
import { ColumnChart } from '../components/Charts';
import { ErrorMessage } from '../components/ErrorMessage';
import { useI18n } from '../i18n/i18n';

export function Figure({ label, value, testId, tone }: { label: string; value: string; testId?: string; tone?: 'good' | 'warn' }) {
  return (
    <div className={`figure ${tone ?? ''}`}>
      <span className="figure-label">{label}</span>
      <span className="figure-value" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

export function SalesPerDay({ series, title }: { series: DaySales[]; title?: string }) {
  const { t, day } = useI18n();
  return (
    <ColumnChart
      title={title ?? t('chart.per_day')}
      points={series.map((p) => ({ label: day(p.day), value: p.sold }))}
      testId="chart-per-day"
    />
  );
}

/** A shop's figures and its sales per day: the staff dashboard and the admin's shop page. */
export function ShopFiguresView({ shopId }: { shopId: number }) {
  const { t, num, dateTime } = useI18n();
  // Sales re-read it as they happen (live/invalidate.tsx).
  const stats = $api.useQuery('get', '/shops/{id}/stats', { params: { path: { id: shopId }, query: { days: 30 } } });
  const s = stats.data;
  if (stats.error && !s) return <ErrorMessage error={stats.error} />;
  return (
    <>
      <div className="figures" aria-busy={stats.isPending}>
        <Figure label={t('stats.assigned_total')} value={num(s?.assigned)} testId="stat-assigned" />
        <Figure label={t('stats.in_shop')} value={num(s?.in_shop)} testId="stat-in-shop" />
        <Figure label={t('count.sold')} value={num(s?.sold)} testId="sold-count" tone="good" />
        <Figure
          label={t('stats.sell_through')}
          value={s?.sell_through == null ? '—' : num(s.sell_through / 100, { style: 'percent', maximumFractionDigits: 1 })}
          testId="stat-sell-through"
        />
        <Figure label={t('stats.mean_days')} value={num(s?.mean_days_to_sale, { maximumFractionDigits: 1 })} testId="stat-mean-days" />
        <Figure label={t('stats.last_sale')} value={dateTime(s?.last_sale_at)} testId="stat-last-sale" />
      </div>
      <SalesPerDay series={s?.sold_per_day ?? []} />
    </>
  );
}
