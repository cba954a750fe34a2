/**
 * SIM cards: on a phone, and for shop staff everywhere, the card list (SimCardList); for an
 * admin on a desktop, the table with bulk actions (SimTable).
 */
import { useUser } from '../../auth/auth';
import { useI18n } from '../../i18n/i18n';
import { SimTable } from '../../shared/SimTable';
import { SimCardList } from './SimCardList';
import { useMediaQuery } from './useMediaQuery';

export default function SimcardsPage() {
  const { t } = useI18n();
  const user = useUser();
  const wide = useMediaQuery('(min-width: 900px)');
  return (
    <section aria-labelledby="sims-title">
      <h1 id="sims-title">{t('nav.simcards')}</h1>
      {user.role === 'admin' && wide ? <SimTable /> : <SimCardList />}
    </section>
  );
}
