import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { Shop } from '../../api/types';
import { ErrorMessage } from '../../components/ErrorMessage';
import { CheckboxField, TextField } from '../../components/Field';
import { FormActions } from '../../components/FormActions';
import { Modal } from '../../components/Modal';
import { useI18n } from '../../i18n/i18n';

const TEXT_FIELDS = ['city', 'region', 'address', 'phone', 'manager_name'] as const;

/** Create a shop, or edit one (only the changed fields are sent). */
export function ShopForm({ shop, onClose, onSaved }: { shop?: Shop; onClose: () => void; onSaved: (shop: Shop) => void }) {
  const { t } = useI18n();
  const [values, setValues] = useState({
    name: shop?.name ?? '',
    code: shop?.code ?? '',
    city: shop?.city ?? '',
    region: shop?.region ?? '',
    address: shop?.address ?? '',
    phone: shop?.phone ?? '',
    manager_name: shop?.manager_name ?? '',
    is_active: shop?.is_active ?? true,
  });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof values) => (e: { target: HTMLInputElement }) =>
    setValues((v) => ({ ...v, [field]: field === 'is_active' ? e.target.checked : e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, unknown> = { ...values };
      if (shop) for (const [k, v] of Object.entries(values)) if ((shop as unknown as Record<string, unknown>)[k] === v || ((shop as unknown as Record<string, unknown>)[k] === null && v === '')) delete body[k];
      const saved = shop
        ? Object.keys(body).length === 0
          ? shop
          : await api<Shop>(`/shops/${shop.id}`, { method: 'PUT', body })
        : await api<Shop>('/shops', { body });
      onSaved(saved);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const labels: Record<(typeof TEXT_FIELDS)[number], string> = {
    city: t('field.city'),
    region: t('field.region'),
    address: t('field.address'),
    phone: t('field.phone'),
    manager_name: t('field.manager'),
  };
  return (
    <Modal title={shop ? t('shops.edit') : t('shops.create')} onClose={onClose} testId="shop-form">
      <form onSubmit={submit}>
        <div className="form-grid">
          <TextField label={t('field.name')} required maxLength={120} value={values.name} onChange={set('name')} data-testid="shop-name" />
          <TextField label={t('field.code')} required pattern="[A-Za-z0-9_\-]{2,16}" hint={t('shops.code_hint')} value={values.code} onChange={set('code')} data-testid="shop-code" />
          {TEXT_FIELDS.map((f) => (
            <TextField key={f} label={labels[f]} value={values[f]} onChange={set(f)} data-testid={`shop-${f}`} />
          ))}
          <CheckboxField label={t('field.active')} checked={values.is_active} onChange={set('is_active')} />
        </div>
        <ErrorMessage error={error} />
        <FormActions onCancel={onClose} busy={busy} testId="shop-save" />
      </form>
    </Modal>
  );
}
