/**
 * The receiving side confirms a handover on the phone: scan (or type) each SIM as it comes out of
 * the box, then confirm what was scanned — anything listed and not scanned is recorded missing,
 * anything scanned and not listed unexpected — or say "all received".
 */
import { type FormEvent, useState } from 'react';
import { data, http } from '../../api/client';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorMessage } from '../../components/ErrorMessage';
import { useI18n } from '../../i18n/i18n';
import { iccidRule } from '../../i18n/validation';
import { searchDigits } from '../../shared/iccid';
import { IccidText } from '../../shared/IccidText';
import { ScanButton } from '../../shared/scan/ScanButton';
import type { Handover } from './types';

export function Receipt({ handover, onDone }: { handover: Handover; onDone: () => Promise<void> }) {
  const { t, num } = useI18n();
  const [received, setReceived] = useState<string[]>([]);
  const [typed, setTyped] = useState('');
  /** What is wrong with the typed ICCID (the server's rule, in the page's language): it is not added. */
  const [typedError, setTypedError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const listed = new Set(handover.simcards.map((s) => s.iccid));
  const got = new Set(received);
  const missing = handover.simcards.filter((s) => !got.has(s.iccid));
  const unexpected = received.filter((i) => !listed.has(i));

  const add = (input: string) => {
    const digits = searchDigits(input);
    if (!digits) return;
    setReceived((r) => (r.includes(digits) ? r : [...r, digits]));
  };
  const send = async (body: { iccids: string[] } | { all: true }) => {
    setBusy(true);
    setError(null);
    try {
      await data(http.POST('/handovers/{id}/receipt', { params: { path: { id: handover.id } }, body }));
      await onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const onAdd = (e: FormEvent) => {
    e.preventDefault();
    // A listed SIM is taken as typed; anything else must be an ICCID (a typo is said, not recorded as unexpected).
    const problem = listed.has(searchDigits(typed) ?? '') ? null : iccidRule(t)(typed);
    setTypedError(problem);
    if (problem) return;
    add(typed);
    setTyped('');
  };

  return (
    <section className="card" aria-labelledby="receipt-title" data-testid="receipt">
      <h2 id="receipt-title">{t('receipt.title')}</h2>
      <p>{t('receipt.hint')}</p>
      <form className="ho-add" onSubmit={onAdd}>
        <label htmlFor="receipt-iccid" className="visually-hidden">
          {t('field.iccid')}
        </label>
        <input
          id="receipt-iccid"
          inputMode="numeric"
          autoComplete="off"
          placeholder={t('field.iccid')}
          value={typed}
          aria-invalid={typedError ? true : undefined}
          aria-describedby={typedError ? 'receipt-iccid-error' : undefined}
          onChange={(e) => {
            setTyped(e.target.value);
            setTypedError(null);
          }}
          data-testid="receipt-input"
        />
        <button type="submit" data-testid="receipt-add">
          {t('receipt.add')}
        </button>
      </form>
      {typedError && (
        <small id="receipt-iccid-error" className="field-error" role="alert" data-testid="field-error">
          {typedError}
        </small>
      )}
      <ScanButton onScan={add} continuous testId="receipt-scan" />
      <p role="status" data-testid="receipt-progress">
        {t('receipt.progress', { got: num(received.length - unexpected.length), total: num(handover.sim_count) })}
        {unexpected.length > 0 && ` · ${t('receipt.unexpected_n', { count: num(unexpected.length) })}`}
      </p>
      <ul className="ho-sims">
        {handover.simcards.map((s) => (
          <li
            key={s.iccid}
            className={got.has(s.iccid) ? 'received' : undefined}
            data-testid="receipt-sim"
            data-received={got.has(s.iccid)}
          >
            <IccidText iccid={s.iccid} />
          </li>
        ))}
        {unexpected.map((i) => (
          <li key={i} className="missing" data-testid="receipt-unexpected">
            <IccidText iccid={i} /> <span>{t('receipt.not_listed')}</span>
          </li>
        ))}
      </ul>
      <ErrorMessage error={error} />
      <div className="ho-buttons">
        <button
          type="button"
          className="primary"
          disabled={busy || received.length === 0}
          onClick={() => (missing.length > 0 || unexpected.length > 0 ? setConfirming(true) : void send({ iccids: received }))}
          data-testid="receipt-confirm"
        >
          {t('receipt.confirm_scanned')}
        </button>
        <button type="button" disabled={busy} onClick={() => void send({ all: true })} data-testid="receipt-all">
          {t('receipt.all')}
        </button>
      </div>
      {confirming && (
        <ConfirmDialog
          title={t('receipt.title')}
          text={t('receipt.confirm_with_missing', { missing: num(missing.length), unexpected: num(unexpected.length) })}
          confirmLabel={t('receipt.confirm_scanned')}
          onClose={() => setConfirming(false)}
          onConfirm={() => send({ iccids: received })}
        />
      )}
    </section>
  );
}
