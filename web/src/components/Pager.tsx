/** Paging for server-side lists: "1–50 of 1,234", previous/next, page size. */
import { useI18n } from '../i18n/i18n';

export const PAGE_SIZES = [25, 50, 100, 200];

export function Pager({
  total,
  limit,
  offset,
  onChange,
}: {
  total: number;
  limit: number;
  offset: number;
  onChange: (offset: number, limit: number) => void;
}) {
  const { t, num } = useI18n();
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <nav className="pager" aria-label={t('pager.label')}>
      <span data-testid="pager-range">{t('pager.range', { from: num(from), to: num(to), total: num(total) })}</span>
      <div className="pager-buttons">
        <button type="button" onClick={() => onChange(Math.max(0, offset - limit), limit)} disabled={offset === 0}>
          {t('pager.prev')}
        </button>
        <button type="button" onClick={() => onChange(offset + limit, limit)} disabled={offset + limit >= total}>
          {t('pager.next')}
        </button>
        <label className="inline-label">
          <span>{t('pager.size')}</span>
          <select value={limit} onChange={(e) => onChange(0, Number(e.target.value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
    </nav>
  );
}
