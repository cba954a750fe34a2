/**
 * Give SIMs to a shop: the selected rows, pasted or scanned ICCIDs, an ICCID range, or a count
 * taken from stock (oldest first). The answer says how many moved and why the others did not.
 */
import { type FormEvent, useState } from 'react';
import { data, http } from '../api/client';
import type { AssignResult, BodyOf } from '../api/models';
import { useInvalidate } from '../api/queries';
import { ErrorMessage } from '../components/ErrorMessage';
import { CheckboxField, SelectField, TextField } from '../components/Field';
import { Modal } from '../components/Modal';
import { ShopSelect } from '../components/ShopSelect';
import { useI18n } from '../i18n/i18n';
import { iccidRule } from '../i18n/validation';
import { groupIccid, OPERATORS, searchDigits } from './iccid';

type Mode = 'selected' | 'iccids' | 'range' | 'count';

export function AssignDialog({
  selectedIds,
  defaultShopId,
  onClose,
  onDone,
}: {
  selectedIds: number[];
  defaultShopId?: number | null;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t, num } = useI18n();
  const [mode, setMode] = useState<Mode>(selectedIds.length > 0 ? 'selected' : 'count');
  const [shopId, setShopId] = useState<number | null>(defaultShopId ?? null);
  const [iccids, setIccids] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [count, setCount] = useState('100');
  const [operator, setOperator] = useState('');
  const [allowTransfer, setAllowTransfer] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<AssignResult | null>(null);
  const invalidate = useInvalidate();

  const selector = (): Record<string, unknown> => {
    switch (mode) {
      case 'selected':
        return { simcard_ids: selectedIds };
      case 'iccids':
        return {
          iccids: iccids
            .split(/[\s,;]+/)
            .map((s) => searchDigits(s) ?? s)
            .filter(Boolean),
        };
      case 'range':
        return { range: { from: searchDigits(from) ?? from, to: searchDigits(to) ?? to } };
      case 'count':
        return { count: Number(count), ...(operator ? { operator } : {}) };
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { ...selector(), shop_id: shopId, allow_transfer: allowTransfer } as BodyOf<'/simcards/assign', 'post'>;
      const answer = await data(http.POST('/simcards/assign', { body }));
      void invalidate(['simcards']);
      setResult(answer);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const modes: Array<{ value: Mode; label: string }> = [
    ...(selectedIds.length > 0
      ? [{ value: 'selected' as const, label: t('assign.mode_selected', { count: num(selectedIds.length) }) }]
      : []),
    { value: 'count', label: t('assign.mode_count') },
    { value: 'range', label: t('assign.mode_range') },
    { value: 'iccids', label: t('assign.mode_iccids') },
  ];

  return (
    <Modal title={t('assign.title')} onClose={onClose} testId="assign-dialog">
      {result ? (
        <div data-testid="assign-result">
          <p className="success-box" role="status">
            {t('assign.done', { count: num(result.assigned) })}
          </p>
          {result.skipped.length > 0 && (
            <>
              <h3>{t('assign.skipped', { count: num(result.skipped.length) })}</h3>
              <ul className="plain-list" data-testid="assign-skipped">
                {result.skipped.slice(0, 200).map((s, i) => (
                  <li key={i}>
                    <code>{s.iccid ? groupIccid(s.iccid) : `#${s.simcard_id}`}</code> — {t(`skip.${s.reason}`)}
                  </li>
                ))}
              </ul>
            </>
          )}
          <div className="actions">
            <button type="button" className="primary" onClick={onClose} data-testid="assign-close">
              {t('action.close')}
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit}>
          <fieldset className="radio-group">
            <legend>{t('assign.which')}</legend>
            {modes.map((m) => (
              <label key={m.value}>
                <input
                  type="radio"
                  name="assign-mode"
                  value={m.value}
                  checked={mode === m.value}
                  onChange={() => setMode(m.value)}
                  data-testid={`assign-mode-${m.value}`}
                />
                {m.label}
              </label>
            ))}
          </fieldset>
          {mode === 'count' && (
            <div className="form-grid">
              <TextField
                label={t('field.count')}
                type="number"
                min={1}
                max={100000}
                required
                value={count}
                onChange={(e) => setCount(e.target.value)}
                data-testid="assign-count"
              />
              <SelectField label={t('field.operator')} value={operator} onChange={(e) => setOperator(e.target.value)}>
                <option value="">{t('common.any')}</option>
                {OPERATORS.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </SelectField>
            </div>
          )}
          {mode === 'range' && (
            <div className="form-grid">
              <TextField
                label={t('assign.from')}
                inputMode="numeric"
                required
                value={from}
                validate={iccidRule(t)}
                onChange={(e) => setFrom(e.target.value)}
                data-testid="assign-from"
              />
              <TextField
                label={t('assign.to')}
                inputMode="numeric"
                required
                value={to}
                validate={iccidRule(t)}
                onChange={(e) => setTo(e.target.value)}
                data-testid="assign-to"
              />
            </div>
          )}
          {mode === 'iccids' && (
            <div className="field">
              <label htmlFor="assign-iccids">{t('assign.iccids')}</label>
              <textarea
                id="assign-iccids"
                rows={5}
                required
                value={iccids}
                onChange={(e) => setIccids(e.target.value)}
                data-testid="assign-iccids"
              />
            </div>
          )}
          <ShopSelect
            label={t('field.shop')}
            value={shopId}
            onChange={setShopId}
            emptyLabel={t('common.choose')}
            required
            testId="assign-shop"
          />
          <CheckboxField
            label={t('assign.allow_transfer')}
            checked={allowTransfer}
            onChange={(e) => setAllowTransfer(e.target.checked)}
            data-testid="assign-transfer"
          />
          <ErrorMessage error={error} />
          <div className="actions">
            <button type="button" onClick={onClose}>
              {t('action.cancel')}
            </button>
            <button type="submit" className="primary" disabled={busy || shopId === null} data-testid="assign-submit">
              {t('assign.submit')}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
