import { useI18n } from '../i18n/i18n';

/** A determinate progress bar with its numbers for screen readers. */
export function ProgressBar({ value, max, label, testId }: { value: number; max: number; label: string; testId?: string }) {
  const { num } = useI18n();
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={`${num(value)} / ${num(max)} (${pct}%)`}
      data-testid={testId}
    >
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}
