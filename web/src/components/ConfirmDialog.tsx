import { useState } from 'react';
import { useI18n } from '../i18n/i18n';
import { ErrorMessage } from './ErrorMessage';
import { Modal } from './Modal';

/** "Are you sure?" for destructive actions; shows the API's refusal in place if it comes. */
export function ConfirmDialog({
  title,
  text,
  confirmLabel,
  onConfirm,
  onClose,
}: {
  title: string;
  text: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <Modal title={title} onClose={onClose} testId="confirm-dialog">
      <p>{text}</p>
      <ErrorMessage error={error} />
      <div className="actions">
        <button type="button" onClick={onClose}>
          {t('action.cancel')}
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy}
          data-testid="confirm-yes"
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              await onConfirm();
              onClose();
            } catch (err) {
              setError(err);
              setBusy(false);
            }
          }}
        >
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
