/**
 * The first page after login. Admins: the dealer's key figures and charts (sales per day, by
 * shop, by operator). Staff: their own shop's. The sold counter moves live on each sale.
 */
import type { Page, RunStatus, Shop, ShopFigures, Statistics } from '../../api/types';
import { useApi, type Resource } from '../../api/useApi';
import { useUser } from '../../auth/auth';
import { BarList } from '../../components/Charts';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RunStatusBadge } from '../../components/StatusBadge';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { Link } from '../../router';
import { Figure, SalesPerDay, ShopFiguresView, useLiveSales } from './figures';

/** Shops in the by-shop chart. */
const SERIES_SHOPS = 20;

function AdminDashboard() {
  const { t, num, dateTime } = useI18n();
  // With `days`, the dealer-wide sales per day come with the figures.
  const stats = useApi<Statistics>('/statistics', { days: 30 });
  const shops = useApi<Page<ShopFigures>>('/statistics/shops', { sort: '-sold', limit: SERIES_SHOPS });
  const pending = useLiveSales(stats as Resource<unknown>);
  const series = stats.data?.sold_per_day ?? [];
  const s = stats.data;
  if (stats.error && !s) return <ErrorMessage error={stats.error} />;

  const plus = (n: number | undefined) => (n === undefined ? null : n + pending);
  const figures: Array<{ key: MessageKey; value: number | null | undefined; testId: string; tone?: 'good' | 'warn' }> = [
    { key: 'stats.total', value: s?.simcards.total, testId: 'stat-total' },
    { key: 'status.in_stock', value: s?.simcards.by_status.in_stock, testId: 'stat-in-stock' },
    { key: 'status.assigned', value: s ? Math.max(0, s.simcards.by_status.assigned - pending) : null, testId: 'stat-assigned' },
    { key: 'status.sold', value: plus(s?.simcards.by_status.sold), testId: 'sold-count', tone: 'good' },
    { key: 'status.blocked', value: s?.simcards.by_status.blocked, testId: 'stat-blocked' },
    { key: 'stats.sold_today', value: plus(s?.sold.today), testId: 'sold-today' },
    { key: 'stats.sold_7', value: plus(s?.sold.last_7_days), testId: 'sold-7' },
    { key: 'stats.sold_30', value: plus(s?.sold.last_30_days), testId: 'sold-30' },
    { key: 'stats.checks_today', value: s?.checks.today, testId: 'checks-today' },
    { key: 'stats.check_errors_today', value: s?.checks.errors_today, testId: 'check-errors-today', tone: s?.checks.errors_today ? 'warn' : undefined },
  ];
  const run = s?.last_check_run;

  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">{t('nav.dashboard')}</h1>
      {s?.data_stale && (
        <p className="warning-box" role="status">
          {t('stats.stale')}
        </p>
      )}
      <div className="figures" aria-busy={stats.loading && !s}>
        {figures.map((f) => (
          <Figure key={f.testId} label={t(f.key)} value={num(f.value)} testId={f.testId} tone={f.tone} />
        ))}
      </div>
      {run && (
        <p className="card">
          {t('stats.last_run')}: <RunStatusBadge status={run.status as RunStatus} /> {dateTime(run.finished_at ?? run.started_at)} ·{' '}
          {t('runs.counts', { done: num(run.done), total: num(run.total), changed: num(run.changed), errors: num(run.errors) })} · <Link to="/check-runs">{t('nav.check_runs')}</Link>
        </p>
      )}
      <div className="charts">
        <SalesPerDay series={series} />
        <BarList title={t('chart.by_shop')} testId="chart-by-shop" points={(shops.data?.data ?? []).slice(0, 10).map((row) => ({ label: row.name, value: row.sold }))} />
        <BarList
          title={t('chart.by_operator')}
          testId="chart-by-operator"
          points={(s?.simcards.by_operator ?? []).map((o) => ({ label: o.operator ?? t('chart.no_operator'), value: o.by_status.sold }))}
        />
      </div>
    </section>
  );
}

function StaffDashboard({ shopId }: { shopId: number }) {
  const { t } = useI18n();
  const shop = useApi<Shop>(`/shops/${shopId}`);
  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">{shop.data?.name ?? t('nav.dashboard')}</h1>
      <ShopFiguresView shopId={shopId} />
      <p>
        <Link to="/simcards" className="button">
          {t('dash.my_sims')}
        </Link>
      </p>
    </section>
  );
}

export default function DashboardPage() {
  const user = useUser();
  if (user.role === 'staff' && user.shop_id !== null) return <StaffDashboard shopId={user.shop_id} />;
  return <AdminDashboard />;
}
