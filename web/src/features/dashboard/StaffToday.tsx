/**
 * The top of a shop's dashboard, for staff on a phone: sold today, this week, this month, the
 * SIMs on hand, and the last sales. Figures from GET /statistics (the staff's own shop); sales
 * re-read them as they happen (live/invalidate.tsx).
 */
import { $api } from '../../api/queries';
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';
import { Figure } from '../../shared/figures';
import { IccidText } from '../../shared/IccidText';
import './staff.css';

export function StaffToday() {
  const { t, num, dateTime } = useI18n();
  const stats = $api.useQuery('get', '/statistics');
  const last = $api.useQuery('get', '/simcards', { params: { query: { status: 'sold', sort: '-sold_at', limit: 5 } } });
  // This week from Monday, this month from the 1st: the dealer's calendar (TIME_ZONE).
  const sold = stats.data?.sold;
  return (
    <>
      <div className="figures" aria-busy={stats.isPending}>
        <Figure label={t('stats.sold_today')} value={num(sold?.today)} testId="staff-sold-today" tone="good" />
        <Figure label={t('staff.sold_week')} value={num(sold?.this_week)} testId="staff-sold-week" />
        <Figure label={t('staff.sold_month')} value={num(sold?.this_month)} testId="staff-sold-month" />
        <Figure label={t('staff.on_hand')} value={num(stats.data?.simcards.by_status.assigned)} testId="staff-on-hand" />
      </div>
      <section className="card" aria-labelledby="last-sales-title" data-testid="last-sales">
        <h2 id="last-sales-title">{t('staff.last_sales')}</h2>
        {last.data && last.data.data.length === 0 && <p className="muted">{t('staff.no_sales')}</p>}
        <ul className="last-sales">
          {(last.data?.data ?? []).map((sim) => (
            <li key={sim.id}>
              <Link to={`/simcards/${sim.id}`}>
                <IccidText iccid={sim.iccid} />
              </Link>
              <span className="muted"> · {dateTime(sim.sold_at)}</span>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
