/**
 * The frame around every signed-in page: header with the app name, language and user, the
 * navigation (a menu button on phones), and the main region.
 */
import { type ReactNode, useState } from 'react';
import { useAuth, useUser } from '../auth/auth';
import { type MessageKey, useI18n } from '../i18n/i18n';
import { useLiveConnected } from '../live/live';
import { Link, useRoute } from '../router';
import { LanguageSwitcher } from './LanguageSwitcher';
import './phone-tables.css';

interface NavItem {
  to: string;
  key: MessageKey;
  id: string;
  adminOnly?: boolean;
}

export const NAV: NavItem[] = [
  { to: '/', key: 'nav.dashboard', id: 'dashboard' },
  { to: '/shops', key: 'nav.shops', id: 'shops', adminOnly: true },
  { to: '/simcards', key: 'nav.simcards', id: 'simcards' },
  { to: '/handovers', key: 'nav.handovers', id: 'handovers' },
  { to: '/import', key: 'nav.import', id: 'import', adminOnly: true },
  { to: '/activation-reports', key: 'nav.activation_reports', id: 'activation-reports', adminOnly: true },
  { to: '/check-runs', key: 'nav.check_runs', id: 'check-runs', adminOnly: true },
  { to: '/logs', key: 'nav.logs', id: 'logs' },
  { to: '/users', key: 'nav.users', id: 'users', adminOnly: true },
  { to: '/statements', key: 'nav.statements', id: 'statements', adminOnly: true },
  { to: '/commission-rules', key: 'nav.commission_rules', id: 'commission-rules', adminOnly: true },
  { to: '/chase', key: 'nav.chase', id: 'chase', adminOnly: true },
  { to: '/anomalies', key: 'nav.anomalies', id: 'anomalies', adminOnly: true },
  { to: '/api-keys', key: 'nav.api_keys', id: 'api-keys', adminOnly: true },
];

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const user = useUser();
  const { logout } = useAuth();
  const { path, navigate } = useRoute();
  const live = useLiveConnected();
  const [menuOpen, setMenuOpen] = useState(false);
  const items = NAV.filter((item) => !item.adminOnly || user.role === 'admin');
  const isCurrent = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          <span aria-hidden="true">☰</span>
          <span className="visually-hidden">{t('nav.menu')}</span>
        </button>
        <Link to="/" className="brand">
          {t('app.title')}
        </Link>
        <span className={`live-dot ${live ? 'on' : 'off'}`} title={live ? t('live.on') : t('live.off')} data-testid="live-indicator">
          <span className="visually-hidden">{live ? t('live.on') : t('live.off')}</span>
        </span>
        <div className="topbar-right">
          <LanguageSwitcher />
          <span className="user-name" data-testid="current-user">
            {user.username} · {t(user.role === 'admin' ? 'role.admin' : 'role.staff')}
          </span>
          <button
            type="button"
            onClick={() => {
              // The next person to sign in on this device starts at the dashboard.
              void logout().then(() => navigate('/', { replace: true }));
            }}
            data-testid="logout"
          >
            {t('auth.logout')}
          </button>
        </div>
      </header>
      <div className="shell">
        <nav id="main-nav" className={`sidenav ${menuOpen ? 'open' : ''}`} aria-label={t('nav.label')}>
          <ul>
            {items.map((item) => (
              <li key={item.to}>
                <Link
                  to={item.to}
                  aria-current={isCurrent(item.to) ? 'page' : undefined}
                  data-testid={`nav-${item.id}`}
                  onClick={() => setMenuOpen(false)}
                >
                  {t(item.key)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
