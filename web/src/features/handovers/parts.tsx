/** Small pieces the handover pages share: the status badge and the age of a waiting handover. */
import { useI18n } from '../../i18n/i18n';
import type { HandoverStatus } from './types';
import './handovers.css';

export function HandoverStatusBadge({ status }: { status: HandoverStatus }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-ho-${status}`} data-testid="handover-status" data-status={status}>
      {t(`handover.status.${status}`)}
    </span>
  );
}

/** "2 d 3 h", "5 h 10 min", "12 min". */
export function Age({ seconds }: { seconds: number }) {
  const { t } = useI18n();
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const text = d > 0 ? t('age.days_hours', { d, h }) : h > 0 ? t('age.hours_minutes', { h, m }) : t('age.minutes', { m });
  return (
    <span className={`age ${d >= 2 ? 'age-old' : ''}`} data-testid="handover-age">
      {text}
    </span>
  );
}
