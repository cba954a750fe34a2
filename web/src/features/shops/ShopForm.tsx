import { type FormEvent, useState } from 'react';
import { data, http } from '../../api/client';
import type { BodyOf, Shop } from '../../api/models';
import { ErrorMessage } from '../../components/ErrorMessage';
import { CheckboxField, SelectField, TextField } from '../../components/Field';
import { FormActions } from '../../components/FormActions';
import { Modal } from '../../components/Modal';
import { useI18n } from '../../i18n/i18n';

const TEXT_FIELDS = ['city', 'region', 'address', 'phone', 'manager_name', 'telegram_chat_id'] as const;

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
    telegram_chat_id: shop?.telegram_chat_id ?? '',
    telegram_language: shop?.telegram_language ?? '',
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
      const body: Record<string, unknown> = { ...values, telegram_language: values.telegram_language || null };
      if (shop)
        for (const [k, v] of Object.entries(values))
          if (
            (shop as unknown as Record<string, unknown>)[k] === v ||
            ((shop as unknown as Record<string, unknown>)[k] === null && v === '')
          )
            delete body[k];
      const saved = shop
        ? Object.keys(body).length === 0
          ? shop
          : await data(http.PUT('/shops/{id}', { params: { path: { id: shop.id } }, body: body as BodyOf<'/shops/{id}', 'put'> }))
        : await data(http.POST('/shops', { body: body as BodyOf<'/shops', 'post'> }));
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
    telegram_chat_id: t('field.telegram_chat'),
  };
  return (
    <Modal title={shop ? t('shops.edit') : t('shops.create')} onClose={onClose} testId="shop-form">
      <form onSubmit={submit}>
        <div className="form-grid">
          <TextField label={t('field.name')} required maxLength={120} value={values.name} onChange={set('name')} data-testid="shop-name" />
          <TextField
            label={t('field.code')}
            required
            pattern="[A-Za-z0-9_\-]{2,16}"
            hint={t('shops.code_hint')}
            value={values.code}
            onChange={set('code')}
            data-testid="shop-code"
          />
          {TEXT_FIELDS.map((f) => (
            <TextField key={f} label={labels[f]} value={values[f]} onChange={set(f)} data-testid={`shop-${f}`} />
          ))}
          <SelectField
            label={t('field.telegram_language')}
            value={values.telegram_language}
            onChange={(e) => setValues((v) => ({ ...v, telegram_language: e.target.value }))}
            data-testid="shop-telegram_language"
          >
            <option value="">Oʻzbekcha</option>
            <option value="ru">Русский</option>
          </SelectField>
          <CheckboxField label={t('field.active')} checked={values.is_active} onChange={set('is_active')} />
        </div>
        <ErrorMessage error={error} />
        <FormActions onCancel={onClose} busy={busy} testId="shop-save" />
      </form>
    </Modal>
  );
}
