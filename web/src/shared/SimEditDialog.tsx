import { type FormEvent, useState } from 'react';
import { data, http } from '../api/client';
import type { BodyOf, Simcard } from '../api/models';
import { useInvalidate } from '../api/queries';
import { useUser } from '../auth/auth';
import { ErrorMessage } from '../components/ErrorMessage';
import { TextField } from '../components/Field';
import { FormActions } from '../components/FormActions';
import { Modal } from '../components/Modal';
import { useI18n } from '../i18n/i18n';
import { msisdnRule } from '../i18n/validation';
import { groupIccid } from './iccid';

type Editable = 'msisdn' | 'operator' | 'tariff' | 'price' | 'batch_id' | 'notes';

/** Edit a SIM's details; staff may change notes only (the API enforces it too). Only changed fields are sent. */
export function SimEditDialog({ sim, onClose, onSaved }: { sim: Simcard; onClose: () => void; onSaved: (sim: Simcard) => void }) {
  const { t } = useI18n();
  const user = useUser();
  const invalidate = useInvalidate();
  const initial: Record<Editable, string> = {
    msisdn: sim.msisdn ?? '',
    operator: sim.operator ?? '',
    tariff: sim.tariff ?? '',
    price: sim.price === null ? '' : String(sim.price),
    batch_id: sim.batch_id ?? '',
    notes: sim.notes ?? '',
  };
  const [values, setValues] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields: Editable[] = user.role === 'admin' ? ['msisdn', 'operator', 'tariff', 'price', 'batch_id'] : [];
  const labels: Record<Editable, string> = {
    msisdn: t('field.msisdn'),
    operator: t('field.operator'),
    tariff: t('field.tariff'),
    price: t('field.price'),
    batch_id: t('field.batch'),
    notes: t('field.notes'),
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    for (const key of Object.keys(values) as Editable[]) {
      if (values[key] === initial[key]) continue;
      const v = values[key].trim();
      body[key] = v === '' ? null : key === 'price' ? Number(v) : v;
    }
    if (Object.keys(body).length === 0) return onClose();
    setBusy(true);
    setError(null);
    try {
      const saved = await data(
        http.PUT('/simcards/{id}', { params: { path: { id: sim.id } }, body: body as BodyOf<'/simcards/{id}', 'put'> }),
      );
      void invalidate(['simcards']);
      onSaved(saved);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={`${t('sim.edit')} ${groupIccid(sim.iccid)}`} onClose={onClose} testId="sim-edit">
      <form onSubmit={submit}>
        <div className="form-grid">
          {fields.map((f) => (
            <TextField
              key={f}
              label={labels[f]}
              value={values[f]}
              inputMode={f === 'price' ? 'numeric' : f === 'msisdn' ? 'tel' : undefined}
              validate={f === 'msisdn' ? msisdnRule(t) : undefined}
              onChange={(e) => setValues((v) => ({ ...v, [f]: e.target.value }))}
              data-testid={`sim-${f}`}
            />
          ))}
        </div>
        <div className="field">
          <label htmlFor="sim-notes">{labels.notes}</label>
          <textarea
            id="sim-notes"
            rows={3}
            maxLength={2000}
            value={values.notes}
            onChange={(e) => setValues((v) => ({ ...v, notes: e.target.value }))}
          />
        </div>
        <ErrorMessage error={error} />
        <FormActions onCancel={onClose} busy={busy} testId="sim-save" />
      </form>
    </Modal>
  );
}
