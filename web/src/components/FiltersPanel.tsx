import { type ReactNode, useState } from 'react';
import { useI18n } from '../i18n/i18n';

/** Filters: open on wider screens, folded on a phone so the list comes first. */
export function FiltersPanel({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const [initiallyOpen] = useState(() => window.matchMedia('(min-width: 600px)').matches);
  return (
    <details className="filters-panel" open={initiallyOpen}>
      <summary>{t('common.filters')}</summary>
      <div className="filters">{children}</div>
    </details>
  );
}
