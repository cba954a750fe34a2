import { useI18n } from '../../i18n/i18n';
import { SimTable } from './SimTable';

export default function SimcardsPage() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="sims-title">
      <h1 id="sims-title">{t('nav.simcards')}</h1>
      <SimTable />
    </section>
  );
}
