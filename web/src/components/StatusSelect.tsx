import { SIM_STATUSES } from '../api/models';
import { useI18n } from '../i18n/i18n';
import { SelectField } from './Field';

/** A SIM status filter, "all" first. */
export function StatusSelect({
  label,
  value,
  onChange,
  testId,
}: {
  label: string;
  value: string;
  onChange: (status: string) => void;
  testId: string;
}) {
  const { t } = useI18n();
  return (
    <SelectField label={label} value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      <option value="">{t('common.all')}</option>
      {SIM_STATUSES.map((s) => (
        <option key={s} value={s}>
          {t(`status.${s}`)}
        </option>
      ))}
    </SelectField>
  );
}
