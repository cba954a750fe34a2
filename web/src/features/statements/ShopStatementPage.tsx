/** One shop's monthly statement: by operator and tariff, payments, balance; mark paid, XLSX, print (uz/ru/en). */
import { type FormEvent, useState } from 'react';
import { data, download, http } from '../../api/client';
import { $api, useInvalidate } from '../../api/queries';
import { ErrorMessage, useErrorText } from '../../components/ErrorMessage';
import { TextField } from '../../components/Field';
import { useNotify } from '../../components/Notices';
import { EmptyRow, TableScroll, Th } from '../../components/Table';
import { useI18n } from '../../i18n/i18n';
import { Link, useRoute } from '../../router';
import { isMonth, previousMonth } from './month';
import '../../shared/statements.css';

function MarkPaid({ shopId, month, balance }: { shopId: number; month: string; balance: number }) {
  const { t } = useI18n();
  const notify = useNotify();
  const invalidate = useInvalidate();
  const [amount, setAmount] = useState(balance > 0 ? String(balance) : '');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await data(
        http.POST('/statements/{id}/payments', {
          params: { path: { id: shopId } },
          body: { month, amount: Number(amount), note: note.trim() || null },
        }),
      );
      notify(t('stmt.saved'), 'success');
      setNote('');
      await invalidate(['statements', 'chase']);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="inline-form no-print" data-testid="mark-paid-form">
      <TextField
        label={t('stmt.amount')}
        type="number"
        min={1}
        step={1}
        required
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
        data-testid="mark-paid-amount"
      />
      <TextField label={t('stmt.note')} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
      <button type="submit" className="primary" disabled={busy} data-testid="mark-paid-save">
        {t('stmt.mark_paid')}
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

export default function ShopStatementPage({ params }: { params: Record<string, string> }) {
  const { t, num, dateTime, lang } = useI18n();
  const { search, navigate } = useRoute();
  const notify = useNotify();
  const errorText = useErrorText();
  const shopId = Number(params.id);
  const month = isMonth(search.get('month')) ? search.get('month')! : previousMonth();
  const res = $api.useQuery('get', '/statements/{id}', { params: { path: { id: shopId }, query: { month } } });
  const s = res.data;

  const xlsx = async () => {
    try {
      await download(`/statements/${shopId}`, { month, format: 'xlsx', lang }, `statement-${shopId}-${month}.xlsx`);
    } catch (err) {
      notify(errorText(err), 'error');
    }
  };

  return (
    <section aria-labelledby="statement-title" className="money-page">
      <p className="no-print">
        <Link to={`/statements?month=${month}`}>← {t('stmt.back')}</Link>
      </p>
      <div className="page-head">
        <h1 id="statement-title">{t('stmt.title_shop', { shop: s ? `${s.shop.name} (${s.shop.code})` : '…' })}</h1>
        <div className="actions no-print">
          <button type="button" onClick={() => window.print()} data-testid="statement-print">
            {t('stmt.print')}
          </button>
          <button type="button" onClick={() => void xlsx()} data-testid="statement-xlsx">
            {t('stmt.xlsx')}
          </button>
        </div>
      </div>
      <div className="filters no-print">
        <TextField
          label={t('stmt.month')}
          type="month"
          value={month}
          onChange={(e) => isMonth(e.target.value) && navigate(`/statements/${shopId}?month=${e.target.value}`, { replace: true })}
        />
      </div>
      <p className="print-only">
        {t('stmt.month')}: {month}
      </p>
      <ErrorMessage error={res.error} />
      <TableScroll label={t('nav.statements')} busy={res.isFetching}>
        <table data-testid="statement-lines">
          <thead>
            <tr>
              <th scope="col">{t('field.operator')}</th>
              <th scope="col">{t('field.tariff')}</th>
              <th scope="col" className="num">
                {t('stmt.activations')}
              </th>
              <Th optional>{t('stmt.unit')}</Th>
              <Th optional>{t('stmt.earned')}</Th>
              <th scope="col" className="num">
                {t('stmt.share')}
              </th>
            </tr>
          </thead>
          <tbody>
            {s?.lines.map((l) => (
              <tr key={`${l.operator}-${l.tariff}`}>
                <td>{l.operator ?? t('stmt.operator_none')}</td>
                <td>{l.tariff ?? t('stmt.any_tariff')}</td>
                <td className="num">{num(l.activations)}</td>
                <td className="num opt">{num(l.unit_amount)}</td>
                <td className="num opt">{num(l.earned)}</td>
                <td className="num">{num(l.share)}</td>
              </tr>
            ))}
            <EmptyRow show={s && s.lines.length === 0} columns={6} />
          </tbody>
          {s && (
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  {t('stmt.total')}
                </th>
                <td className="num">{num(s.totals.activations)}</td>
                <td className="opt" />
                <td className="num opt">{num(s.totals.earned)}</td>
                <td className="num" data-testid="statement-share">
                  {num(s.totals.share)}
                </td>
              </tr>
            </tfoot>
          )}
        </table>
      </TableScroll>
      {s && (
        <dl className="money-summary" data-testid="statement-summary">
          <dt>{t('stmt.share')}</dt>
          <dd>{t('money.som', { amount: num(s.totals.share) })}</dd>
          <dt>{t('stmt.paid')}</dt>
          <dd data-testid="statement-paid">{t('money.som', { amount: num(s.paid) })}</dd>
          <dt>{t('stmt.balance')}</dt>
          <dd data-testid="statement-balance">{t('money.som', { amount: num(s.balance) })}</dd>
        </dl>
      )}
      <h2>{t('stmt.payments')}</h2>
      <ul className="plain-list" data-testid="statement-payments">
        {s?.payments.map((p) => (
          <li key={p.id}>
            {dateTime(p.paid_at)} · {t('money.som', { amount: num(p.amount) })} · {p.paid_by}
            {p.note ? ` · ${p.note}` : ''}
          </li>
        ))}
      </ul>
      {s && <MarkPaid key={`${shopId}-${month}-${s.balance}`} shopId={shopId} month={month} balance={s.balance} />}
    </section>
  );
}
