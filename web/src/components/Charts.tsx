/**
 * Light inline-SVG charts (no chart library: the budget is 250 KB of JavaScript). Each chart is
 * an image with a text summary for screen readers; the numbers are also in the tables nearby.
 */
import { useI18n } from '../i18n/i18n';

export interface Point {
  label: string;
  value: number;
}

/**
 * Columns over time, e.g. sales per day. The SVG stretches to any width, so its labels are
 * HTML around it (text inside a stretched SVG would be distorted).
 */
export function ColumnChart({ points, title, testId }: { points: Point[]; title: string; testId?: string }) {
  const { num, t } = useI18n();
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...points.map((p) => p.value));
  const step = points.length > 0 ? width / points.length : width;
  const total = points.reduce((s, p) => s + p.value, 0);
  const ticks = points.length > 0 ? [points[0]!, points[Math.floor(points.length / 2)]!, points[points.length - 1]!] : [];
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <div className="column-chart">
        <span className="tick y-max">{num(max)}</span>
        <svg
          viewBox={`0 0 ${width} ${height}`}
          role="img"
          aria-label={t('chart.summary', { title, total: num(total), max: num(max) })}
          preserveAspectRatio="none"
        >
          <line x1={0} x2={width} y1={height} y2={height} className="axis" />
          {points.map((p, i) => {
            const h = (p.value / max) * (height - 2);
            return (
              <rect key={p.label} x={i * step + step * 0.15} y={height - h} width={Math.max(1, step * 0.7)} height={h} className="bar">
                <title>{`${p.label}: ${num(p.value)}`}</title>
              </rect>
            );
          })}
        </svg>
        <div className="x-ticks" aria-hidden="true">
          {ticks.map((p, i) => (
            <span key={i} className="tick">
              {p.label}
            </span>
          ))}
        </div>
      </div>
    </figure>
  );
}

/** Horizontal bars with their labels, e.g. sales by shop or operator. */
export function BarList({ points, title, testId }: { points: Point[]; title: string; testId?: string }) {
  const { num, t } = useI18n();
  const max = Math.max(1, ...points.map((p) => p.value));
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      {points.length === 0 ? (
        <p className="muted">{t('common.no_data')}</p>
      ) : (
        <ul className="bar-list">
          {points.map((p) => (
            <li key={p.label}>
              <span className="bar-label">{p.label}</span>
              <svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" className="bar-track">
                <rect x="0" y="0" width={(p.value / max) * 100} height="10" className="bar" />
              </svg>
              <span className="bar-value">{num(p.value)}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
