import { useI18n } from '../i18n/i18n';

/** Cancel and submit at the foot of a dialog's form. */
export function FormActions({
  onCancel,
  busy,
  submitLabel,
  testId,
}: {
  onCancel: () => void;
  busy: boolean;
  submitLabel?: string;
  testId: string;
}) {
  const { t } = useI18n();
  return (
    <div className="actions">
      <button type="button" onClick={onCancel}>
        {t('action.cancel')}
      </button>
      <button type="submit" className="primary" disabled={busy} data-testid={testId}>
        {submitLabel ?? t('action.save')}
      </button>
    </div>
  );
}
