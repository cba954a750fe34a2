/**
 * Admin: hand a box of SIMs to a shop (or take SIMs back). Preview first — how many move, and
 * each ICCID that would not, with the reason (a gap in the range included) — then commit, which
 * opens the new handover with its printable sheet.
 */
import { type FormEvent, useState } from 'react';
import { data, http } from '../../api/client';
import type { BodyOf } from '../../api/models';
import { useInvalidate } from '../../api/queries';
import { ErrorMessage } from '../../components/ErrorMessage';
import { SelectField, TextField } from '../../components/Field';
import { ShopSelect, useShopNames } from '../../components/ShopSelect';
import { useI18n } from '../../i18n/i18n';
import { iccidRule } from '../../i18n/validation';
import { useRoute } from '../../router';
import { searchDigits } from '../../shared/iccid';
import { IccidText } from '../../shared/IccidText';
import type { Direction, Preview } from './types';

type Mode = 'range' | 'iccids';

export function NewHandover() {
  const { t, num } = useI18n();
  const { navigate } = useRoute();
  const invalidate = useInvalidate();
  const shopName = useShopNames();
  const [direction, setDirection] = useState<Direction>('delivery');
  const [shopId, setShopId] = useState<number | null>(null);
  const [mode, setMode] = useState<Mode>('range');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [list, setList] = useState('');
  const [note, setNote] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const body = (): BodyOf<'/handovers/preview', 'post'> => ({
    direction,
    shop_id: shopId ?? 0,
    ...(mode === 'range'
      ? { range: { from: searchDigits(from) ?? from, to: searchDigits(to) ?? to } }
      : {
          iccids: list
            .split(/[\s,;]+/)
            .map((s) => searchDigits(s) ?? s)
            .filter(Boolean),
        }),
  });
  // Any change makes the preview stale: it must be looked at again before committing.
  const changed =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setPreview(null);
    };

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const onPreview = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => setPreview(await data(http.POST('/handovers/preview', { body: body() }))));
  };
  const onCommit = () =>
    run(async () => {
      const created = await data(http.POST('/handovers', { body: { ...body(), note } }));
      await invalidate(['handovers', 'simcards']);
      navigate(`/handovers/${created.id}`);
    });

  return (
    <section className="card" aria-labelledby="ho-new-title">
      <h2 id="ho-new-title">{t('handover.new')}</h2>
      <form className="ho-form" onSubmit={onPreview}>
        <SelectField
          label={t('handover.direction')}
          value={direction}
          onChange={(e) => changed(setDirection)(e.target.value as Direction)}
          data-testid="ho-direction"
        >
          <option value="delivery">{t('handover.direction.delivery')}</option>
          <option value="return">{t('handover.direction.return')}</option>
        </SelectField>
        <ShopSelect
          label={t('field.shop')}
          value={shopId}
          onChange={changed(setShopId)}
          emptyLabel={t('common.choose')}
          required
          testId="ho-shop"
        />
        <SelectField
          label={t('handover.choose_by')}
          value={mode}
          onChange={(e) => changed(setMode)(e.target.value as Mode)}
          data-testid="ho-mode"
        >
          <option value="range">{t('assign.mode_range')}</option>
          <option value="iccids">{t('assign.mode_iccids')}</option>
        </SelectField>
        {mode === 'range' ? (
          <>
            <TextField
              label={t('assign.from')}
              inputMode="numeric"
              autoComplete="off"
              value={from}
              validate={iccidRule(t)}
              onChange={(e) => changed(setFrom)(e.target.value)}
              required
              data-testid="ho-from"
            />
            <TextField
              label={t('assign.to')}
              inputMode="numeric"
              autoComplete="off"
              value={to}
              validate={iccidRule(t)}
              onChange={(e) => changed(setTo)(e.target.value)}
              required
              data-testid="ho-to"
            />
          </>
        ) : (
          <div className="field">
            <label htmlFor="ho-iccids">{t('assign.iccids')}</label>
            <textarea id="ho-iccids" value={list} onChange={(e) => changed(setList)(e.target.value)} required data-testid="ho-iccids" />
          </div>
        )}
        <TextField
          label={t('handover.note')}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          maxLength={1000}
          data-testid="ho-note"
        />
        <ErrorMessage error={error} />
        <div className="ho-buttons">
          <button type="submit" disabled={busy || shopId === null} data-testid="ho-preview">
            {t('handover.preview')}
          </button>
        </div>
      </form>
      {preview && (
        <div className="ho-preview" data-testid="ho-preview-result">
          <p role="status">
            <strong data-testid="ho-would-move">{t('handover.would_move', { count: num(preview.would_move) })}</strong>
            {preview.skipped.length > 0 && <> · {t('handover.would_skip', { count: num(preview.skipped.length) })}</>}
          </p>
          {preview.skipped.length > 0 && (
            <ul className="ho-skipped" aria-label={t('handover.skipped')}>
              {preview.skipped.map((s) => (
                <li key={`${s.iccid}-${s.simcard_id}`} data-testid="ho-skipped" data-iccid={s.iccid ?? ''} data-reason={s.reason}>
                  {s.iccid ? <IccidText iccid={s.iccid} /> : `#${s.simcard_id}`}
                  <span>
                    {t(`skip.${s.reason}`)}
                    {s.shop_id ? ` (${shopName(s.shop_id)})` : ''}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <div className="ho-buttons">
            <button
              type="button"
              className="primary"
              disabled={busy || preview.would_move === 0}
              onClick={() => void onCommit()}
              data-testid="ho-commit"
            >
              {t('handover.commit', { count: num(preview.would_move) })}
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
