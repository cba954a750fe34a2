/** Pieces every list table shares. */
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n';

/**
 * A table that scrolls sideways on a phone. The scrolling region is focusable and named, so a
 * keyboard user can scroll it too (axe: scrollable-region-focusable).
 */
export function TableScroll({ label, busy, children }: { label: string; busy?: boolean; children: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={t('common.table', { name: label })} aria-busy={busy}>
      {children}
    </div>
  );
}

/** "Nothing found" across the table, once the list has loaded empty. */
export function EmptyRow({ show, columns }: { show: boolean | undefined; columns: number }) {
  const { t } = useI18n();
  if (!show) return null;
  return (
    <tr>
      <td colSpan={columns} className="muted">
        {t('common.empty')}
      </td>
    </tr>
  );
}

/** A column header; `optional` columns are hidden on a phone. */
export function Th({ children, optional }: { children: ReactNode; optional?: boolean }) {
  return (
    <th scope="col" className={optional ? 'opt' : undefined}>
      {children}
    </th>
  );
}
