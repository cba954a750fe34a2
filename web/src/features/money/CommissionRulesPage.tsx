/** Commission rules and the shops' share (admins): versioned, never edited in place; a period can be recomputed. */
import { type FormEvent, useState } from 'react';
import { data, http } from '../../api/client';
import type { components } from '../../api/generated/schema';
import { $api, useInvalidate } from '../../api/queries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { CheckboxField, SelectField, TextField } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { useNotify } from '../../components/Notices';
import { ShopSelect, useShopNames } from '../../components/ShopSelect';
import { EmptyRow, TableScroll, Th } from '../../components/Table';
import { useI18n } from '../../i18n/i18n';
import '../../shared/statements.css';

type Rule = components['schemas']['CommissionRule'];

function RuleForm({ rule, onClose }: { rule: Rule | null; onClose: () => void }) {
  const { t } = useI18n();
  const invalidate = useInvalidate();
  const [operator, setOperator] = useState(rule?.operator ?? 'beeline');
  const [tariff, setTariff] = useState(rule?.tariff ?? '');
  const [amount, setAmount] = useState(rule ? String(rule.amount) : '');
  const [from, setFrom] = useState(rule?.valid_from ?? new Date().toISOString().slice(0, 10));
  const [to, setTo] = useState(rule?.valid_to ?? '');
  const [note, setNote] = useState(rule?.note ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = {
      operator,
      tariff: tariff.trim() || null,
      amount: Number(amount),
      valid_from: from,
      valid_to: to || null,
      note: note.trim() || null,
    };
    try {
      if (rule) await data(http.PUT('/commission-rules/{id}', { params: { path: { id: rule.id } }, body }));
      else await data(http.POST('/commission-rules', { body }));
      await invalidate(['commission-rules']);
      onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={rule ? t('rules.change') : t('rules.add')} onClose={onClose} testId="rule-form">
      <form onSubmit={submit}>
        {rule && <p className="muted">{t('rules.explain')}</p>}
        <TextField
          label={t('field.operator')}
          required
          value={operator}
          onChange={(e) => setOperator(e.target.value)}
          data-testid="rule-operator"
        />
        <TextField label={t('field.tariff')} value={tariff} onChange={(e) => setTariff(e.target.value)} hint={t('stmt.any_tariff')} />
        <TextField
          label={t('rules.amount')}
          type="number"
          min={0}
          step={1}
          required
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          data-testid="rule-amount"
        />
        <TextField
          label={t('rules.valid_from')}
          type="date"
          required
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          data-testid="rule-from"
        />
        <TextField label={t('rules.valid_to')} type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        <TextField label={t('stmt.note')} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
        <ErrorMessage error={error} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            {t('action.cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy} data-testid="rule-save">
            {t('action.save')}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ShareForm() {
  const { t } = useI18n();
  const invalidate = useInvalidate();
  const [shopId, setShopId] = useState<number | null>(null);
  const [kind, setKind] = useState<'percent' | 'fixed'>('percent');
  const [value, setValue] = useState('');
  const [from, setFrom] = useState(new Date().toISOString().slice(0, 10));
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await data(http.POST('/commission-shares', { body: { shop_id: shopId, kind, value: Number(value), valid_from: from } }));
      setValue('');
      await invalidate(['commission-shares']);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <form onSubmit={submit} className="inline-form" data-testid="share-form">
      <ShopSelect label={t('field.shop')} value={shopId} onChange={setShopId} emptyLabel={t('rules.dealer_default')} testId="share-shop" />
      <SelectField label={t('rules.share_kind')} value={kind} onChange={(e) => setKind(e.target.value as 'percent' | 'fixed')}>
        <option value="percent">{t('rules.percent')}</option>
        <option value="fixed">{t('rules.fixed')}</option>
      </SelectField>
      <TextField
        label={t('rules.share_value')}
        type="number"
        min={0}
        step="any"
        required
        value={value}
        onChange={(e) => setValue(e.target.value)}
        data-testid="share-value"
      />
      <TextField label={t('rules.valid_from')} type="date" required value={from} onChange={(e) => setFrom(e.target.value)} />
      <button type="submit" className="primary" data-testid="share-save">
        {t('rules.add_share')}
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

function Recompute() {
  const { t, num } = useI18n();
  const notify = useNotify();
  const invalidate = useInvalidate();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await data(http.POST('/commission-rules/recompute', { body: { from, to } }));
      notify(t('rules.recomputed', { sales: num(r.after.sales), before: num(r.before.amount), after: num(r.after.amount) }), 'success');
      await invalidate(['statements', 'chase', 'commission-rules']);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form onSubmit={submit} className="inline-form" data-testid="recompute-form">
      <TextField label={t('rules.valid_from')} type="date" required value={from} onChange={(e) => setFrom(e.target.value)} />
      <TextField label={t('rules.valid_to')} type="date" required value={to} onChange={(e) => setTo(e.target.value)} />
      <button type="submit">{t('rules.recompute')}</button>
      <ErrorMessage error={error} />
    </form>
  );
}

export default function CommissionRulesPage() {
  const { t, num, dateTime } = useI18n();
  const invalidate = useInvalidate();
  const shopName = useShopNames();
  const [showOld, setShowOld] = useState(false);
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [retiring, setRetiring] = useState<Rule | null>(null);
  const rules = $api.useQuery('get', '/commission-rules', { params: { query: showOld ? { include_inactive: 'true' } : {} } });
  const shares = $api.useQuery('get', '/commission-shares', { params: { query: {} } });
  const list = rules.data?.data ?? [];

  return (
    <section aria-labelledby="rules-title" className="money-page">
      <div className="page-head">
        <h1 id="rules-title">{t('rules.title')}</h1>
        <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="rule-create">
          {t('rules.add')}
        </button>
      </div>
      <p className="muted">{t('rules.explain')}</p>
      <CheckboxField label={t('rules.show_old')} checked={showOld} onChange={(e) => setShowOld(e.target.checked)} />
      <ErrorMessage error={rules.error} />
      <TableScroll label={t('rules.title')} busy={rules.isFetching}>
        <table data-testid="rules-table">
          <thead>
            <tr>
              <th scope="col">{t('field.operator')}</th>
              <th scope="col">{t('field.tariff')}</th>
              <th scope="col" className="num">
                {t('stmt.unit')}
              </th>
              <Th optional>{t('rules.valid_from')}</Th>
              <Th optional>{t('rules.valid_to')}</Th>
              <Th optional>{t('rules.version')}</Th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-testid="rule-row" className={r.active ? undefined : 'muted'}>
                <td>{r.operator}</td>
                <td>{r.tariff ?? t('stmt.any_tariff')}</td>
                <td className="num">{num(r.amount)}</td>
                <td className="opt">{r.valid_from}</td>
                <td className="opt">{r.valid_to ?? t('rules.open_ended')}</td>
                <td className="opt" title={dateTime(r.created_at)}>
                  v{r.version} · {r.created_by}
                  {!r.active && ` · ${t('rules.inactive')}`}
                </td>
                <td>
                  {r.active && (
                    <div className="anomaly-actions">
                      <button type="button" onClick={() => setEditing(r)}>
                        {t('rules.change')}
                      </button>
                      <button type="button" className="danger" onClick={() => setRetiring(r)}>
                        {t('rules.retire')}
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
            <EmptyRow show={rules.data && list.length === 0} columns={7} />
          </tbody>
        </table>
      </TableScroll>

      <h2>{t('rules.shares')}</h2>
      <ErrorMessage error={shares.error} />
      <ul className="plain-list" data-testid="shares-list">
        {shares.data?.data.map((s) => (
          <li key={s.id}>
            {s.shop_id === null ? t('rules.dealer_default') : shopName(s.shop_id)}:{' '}
            {s.kind === 'percent' ? `${num(s.value)}%` : t('money.som', { amount: num(s.value) })} · {t('rules.valid_from')} {s.valid_from}
          </li>
        ))}
      </ul>
      <ShareForm />

      <h2>{t('rules.recompute')}</h2>
      <p className="muted">{t('rules.recompute_explain')}</p>
      <Recompute />

      {editing && <RuleForm rule={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      {retiring && (
        <ConfirmDialog
          title={t('rules.retire')}
          text={t('rules.retire_confirm')}
          confirmLabel={t('rules.retire')}
          onConfirm={async () => {
            await data(http.DELETE('/commission-rules/{id}', { params: { path: { id: retiring.id } } }));
            await invalidate(['commission-rules']);
          }}
          onClose={() => setRetiring(null)}
        />
      )}
    </section>
  );
}
