/**
 * The dashboard of a dealer with no SIM cards yet: how to start, instead of a page of zeros.
 * Import the operator's file (examples/ holds sample ones), add shops, or look around the demo.
 */
import { useI18n } from '../../i18n/i18n';
import { Link } from '../../router';

export function GettingStarted() {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="start-title" data-testid="getting-started">
      <h2 id="start-title">{t('start.title')}</h2>
      <ol>
        <li>
          <Link to="/import">{t('start.import')}</Link> — {t('start.import_hint')}
        </li>
        <li>
          <Link to="/shops">{t('start.shops')}</Link> — {t('start.shops_hint')}
        </li>
        <li>
          {t('start.demo')} <code>npm run demo</code>
        </li>
      </ol>
    </section>
  );
}
