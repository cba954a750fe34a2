/**
 * SIM cards: on a phone, and for shop staff everywhere, the card list (SimCardList); for an
 * admin on a desktop, the table with bulk actions (SimTable). The table (with its dialogs) is its
 * own chunk, loaded on a wide screen only: a phone's first screen neither downloads nor parses it.
 */
import { Suspense } from 'react';
import { useUser } from '../../auth/auth';
import { WholeDictionary } from '../../components/WholeDictionary';
import { WIDE_SCREEN } from '../../first-requests';
import { useI18n } from '../../i18n/i18n';
import { lazyReady, preload } from '../../lazy-ready';
import { SimCardList } from './SimCardList';
import { useMediaQuery } from './useMediaQuery';

const loadSimTable = () => import('../../shared/SimTable').then((m) => ({ default: m.SimTable }));
const SimTable = lazyReady(loadSimTable);

// A wide screen is likely an admin's table: its chunk starts with this page's, not after its render.
if (typeof window !== 'undefined' && window.matchMedia?.(WIDE_SCREEN).matches) preload(loadSimTable).catch(() => {});

export default function SimcardsPage() {
  const { t } = useI18n();
  const user = useUser();
  const wide = useMediaQuery(WIDE_SCREEN);
  return (
    <section aria-labelledby="sims-title">
      <h1 id="sims-title">{t('nav.simcards')}</h1>
      {user.role === 'admin' && wide ? (
        <Suspense
          fallback={
            <p className="muted" role="status">
              {t('common.loading')}
            </p>
          }
        >
          {/* The table's strings are not in the dictionary's first part (only the card list's are). */}
          <WholeDictionary>
            <SimTable />
          </WholeDictionary>
        </Suspense>
      ) : (
        <SimCardList />
      )}
    </section>
  );
}
