/**
 * The first page after login. Admins: the dealer's key figures and charts (sales per day, by
 * shop, by operator). Staff: their own shop's. The sold counter moves live on each sale.
 */
import { $api } from '../../api/queries';
import { useUser } from '../../auth/auth';
import { BarList } from '../../components/Charts';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RunStatusBadge } from '../../components/StatusBadge';
import { type MessageKey, useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { Figure, SalesPerDay, ShopFiguresView } from '../../shared/figures';
import { GettingStarted } from './GettingStarted';
import { StaffToday } from './StaffToday';

/** Shops in the by-shop chart. */
const SERIES_SHOPS = 20;

function AdminDashboard() {
  const { t, num, dateTime } = useI18n();
  // With `days`, the dealer-wide sales per day come with the figures.
  // Sales and check runs re-read these as they happen (live/invalidate.tsx).
  const stats = $api.useQuery('get', '/statistics', { params: { query: { days: 30 } } });
  const shops = $api.useQuery('get', '/statistics/shops', { params: { query: { sort: '-sold', limit: SERIES_SHOPS } } });
  const series = stats.data?.sold_per_day ?? [];
  const s = stats.data;
  if (stats.error && !s) return <ErrorMessage error={stats.error} />;

  const figures: Array<{ key: MessageKey; value: number | null | undefined; testId: string; tone?: 'good' | 'warn' }> = [
    { key: 'stats.total', value: s?.simcards.total, testId: 'stat-total' },
    { key: 'count.in_stock', value: s?.simcards.by_status.in_stock, testId: 'stat-in-stock' },
    { key: 'count.assigned', value: s?.simcards.by_status.assigned, testId: 'stat-assigned' },
    { key: 'count.sold', value: s?.simcards.by_status.sold, testId: 'sold-count', tone: 'good' },
    { key: 'count.blocked', value: s?.simcards.by_status.blocked, testId: 'stat-blocked' },
    { key: 'stats.sold_today', value: s?.sold.today, testId: 'sold-today' },
    { key: 'stats.sold_7', value: s?.sold.last_7_days, testId: 'sold-7' },
    { key: 'stats.sold_30', value: s?.sold.last_30_days, testId: 'sold-30' },
    // Every check counted (runs and single checks, changed or not), not the log's rows.
    { key: 'stats.checks_today', value: s?.checks.checked_today, testId: 'checks-today' },
    { key: 'stats.changed_today', value: s?.checks.changed_today, testId: 'checks-changed-today' },
    {
      key: 'stats.check_errors_today',
      value: s?.checks.failed_today,
      testId: 'check-errors-today',
      tone: s?.checks.failed_today ? 'warn' : undefined,
    },
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
      {s?.simcards.total === 0 && <GettingStarted />}
      <div className="figures" aria-busy={stats.isPending}>
        {figures.map((f) => (
          <Figure key={f.testId} label={t(f.key)} value={num(f.value)} testId={f.testId} tone={f.tone} />
        ))}
      </div>
      {s && (
        <p className="muted" data-testid="checks-split">
          {t('stats.checked_split', { runs: num(s.checks.runs_today.checked), manual: num(s.checks.manual_today.checked) })}
        </p>
      )}
      {run && (
        <p className="card" data-testid="last-run" data-status={run.status} data-done={run.done} data-total={run.total}>
          {t('stats.last_run')} ({t(run.trigger === 'scheduled' ? 'stats.run_trigger.scheduled' : 'stats.run_trigger.manual')}):{' '}
          <RunStatusBadge status={run.status} /> {dateTime(run.finished_at ?? run.started_at)} ·{' '}
          {t('runs.counts', { done: num(run.done), total: num(run.total), changed: num(run.changed), errors: num(run.errors) })} ·{' '}
          <Link to="/check-runs">{t('nav.check_runs')}</Link>
        </p>
      )}
      <div className="charts">
        <SalesPerDay series={series} />
        <BarList
          title={t('chart.by_shop')}
          testId="chart-by-shop"
          points={(shops.data?.data ?? []).slice(0, 10).map((row) => ({ label: row.name, value: row.sold }))}
        />
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
  const shop = $api.useQuery('get', '/shops/{id}', { params: { path: { id: shopId } } });
  return (
    <section aria-labelledby="dash-title">
      <h1 id="dash-title">{shop.data?.name ?? t('nav.dashboard')}</h1>
      <StaffToday />
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
