import { type RunStatus, SIM_STATUSES, type SimStatus } from '../api/models';
import { useI18n } from '../i18n/i18n';

export function StatusBadge({ status }: { status: SimStatus }) {
  const { t } = useI18n();
  return <span className={`badge badge-${status}`}>{t(`status.${status}`)}</span>;
}

export function RunStatusBadge({ status }: { status: RunStatus }) {
  const { t } = useI18n();
  return <span className={`badge badge-run-${status}`}>{t(`run.status.${status}`)}</span>;
}

/** "previous → new" in a log: a known status in words, anything else as the API wrote it. */
export function useStatusChange(): (from: string | null, to: string | null) => string {
  const { t } = useI18n();
  const text = (s: string | null) => (s && (SIM_STATUSES as readonly string[]).includes(s) ? t(`status.${s as SimStatus}`) : (s ?? '—'));
  return (from, to) => `${text(from)} → ${text(to)}`;
}
