/** Monthly statements (admins): one row per shop, the sales from stock, the dealer's income per operator. */
import { $api } from '../../api/queries';
import { ErrorMessage } from '../../components/ErrorMessage';
import { TextField } from '../../components/Field';
import { EmptyRow, TableScroll, Th } from '../../components/Table';
import { useI18n } from '../../i18n/i18n';
import { Link, useRoute } from '../../router';
import { isMonth, previousMonth } from './month';
import '../../shared/statements.css';

export default function StatementsPage() {
  const { t, num } = useI18n();
  const { search, navigate } = useRoute();
  const month = isMonth(search.get('month')) ? search.get('month')! : previousMonth();
  const res = $api.useQuery('get', '/statements', { params: { query: { month } } });
  const s = res.data;

  return (
    <section aria-labelledby="statements-title" className="money-page">
      <div className="page-head">
        <h1 id="statements-title">{t('nav.statements')}</h1>
      </div>
      <p className="muted">{t('stmt.explain')}</p>
      <div className="filters">
        <TextField
          label={t('stmt.month')}
          type="month"
          value={month}
          onChange={(e) => isMonth(e.target.value) && navigate(`/statements?month=${e.target.value}`, { replace: true })}
          data-testid="statements-month"
        />
      </div>
      <ErrorMessage error={res.error} />
      <TableScroll label={t('nav.statements')} busy={res.isFetching}>
        <table data-testid="statements-table">
          <thead>
            <tr>
              <th scope="col">{t('field.shop')}</th>
              <th scope="col" className="num">
                {t('stmt.activations')}
              </th>
              <Th optional>{t('stmt.earned')}</Th>
              <th scope="col" className="num">
                {t('stmt.share')}
              </th>
              <Th optional>{t('stmt.paid')}</Th>
              <th scope="col" className="num">
                {t('stmt.balance')}
              </th>
            </tr>
          </thead>
          <tbody>
            {s?.shops.map((row) => (
              <tr key={row.shop_id} data-testid="statement-row">
                <td>
                  <Link to={`/statements/${row.shop_id}?month=${month}`} aria-label={t('stmt.open', { shop: row.name })}>
                    {row.name}
                  </Link>{' '}
                  <span className="muted">{row.code}</span>
                </td>
                <td className="num">{num(row.activations)}</td>
                <td className="num opt">{num(row.earned)}</td>
                <td className="num">{num(row.share)}</td>
                <td className="num opt">{num(row.paid)}</td>
                <td className="num">{num(row.balance)}</td>
              </tr>
            ))}
            <EmptyRow show={s && s.shops.length === 0} columns={6} />
          </tbody>
          {s && (
            <tfoot>
              <tr>
                <th scope="row">{t('stmt.total')}</th>
                <td className="num">{num(s.totals.activations)}</td>
                <td className="num opt">{num(s.totals.earned)}</td>
                <td className="num">{num(s.totals.share)}</td>
                <td className="num opt">{num(s.totals.paid)}</td>
                <td className="num">{num(s.totals.balance)}</td>
              </tr>
            </tfoot>
          )}
        </table>
      </TableScroll>
      {s && s.unassigned.activations > 0 && (
        <p className="muted" data-testid="statements-unassigned">
          {t('stmt.unassigned')}: {num(s.unassigned.activations)} · {t('stmt.earned')}: {num(s.unassigned.earned)}
        </p>
      )}

      <h2>{t('stmt.by_operator')}</h2>
      <TableScroll label={t('stmt.by_operator')}>
        <table data-testid="statements-operators">
          <thead>
            <tr>
              <th scope="col">{t('field.operator')}</th>
              <Th optional>{t('stmt.activations')}</Th>
              <th scope="col" className="num">
                {t('stmt.earned')}
              </th>
              <Th optional>{t('stmt.share')}</Th>
              <th scope="col" className="num">
                {t('stmt.net')}
              </th>
            </tr>
          </thead>
          <tbody>
            {s?.by_operator.map((o) => (
              <tr key={o.operator ?? '-'}>
                <td>{o.operator ?? t('stmt.operator_none')}</td>
                <td className="num opt">{num(o.activations)}</td>
                <td className="num">{num(o.earned)}</td>
                <td className="num opt">{num(o.share)}</td>
                <td className="num">{num(o.net)}</td>
              </tr>
            ))}
            <EmptyRow show={s && s.by_operator.length === 0} columns={5} />
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
