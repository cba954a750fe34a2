/**
 * The app: providers, the login gate, and the routes. Every page but login is its own chunk
 * (React.lazy), so the first load stays small on a phone.
 */
import { lazy, Suspense, useEffect, type ComponentType, type LazyExoticComponent } from 'react';
import type { Simcard } from './api/types';
import { AuthProvider, useAuth } from './auth/auth';
import { LoginPage } from './auth/LoginPage';
import { Layout } from './components/Layout';
import { NoticeProvider, useNotify } from './components/Notices';
import { I18nProvider, useI18n } from './i18n/i18n';
import { LiveProvider, useLiveEvent } from './live/live';
import { matchPath, RouterProvider, useRoute } from './router';

type Page = LazyExoticComponent<ComponentType<{ params: Record<string, string> }>>;

const pages = {
  dashboard: lazy(() => import('./features/dashboard/DashboardPage')),
  shops: lazy(() => import('./features/shops/ShopsPage')),
  shop: lazy(() => import('./features/shops/ShopPage')),
  simcards: lazy(() => import('./features/simcards/SimcardsPage')),
  simcard: lazy(() => import('./features/simcards/SimcardPage')),
  import: lazy(() => import('./features/imports/ImportPage')),
  checkRuns: lazy(() => import('./features/check-runs/CheckRunsPage')),
  logs: lazy(() => import('./features/logs/StatusLogPage')),
  users: lazy(() => import('./features/users/UsersPage')),
  apiKeys: lazy(() => import('./features/api-keys/ApiKeysPage')),
} satisfies Record<string, Page>;

const routes: Array<{ pattern: string; page: Page; adminOnly?: boolean }> = [
  { pattern: '/', page: pages.dashboard },
  { pattern: '/shops', page: pages.shops, adminOnly: true },
  { pattern: '/shops/:id', page: pages.shop, adminOnly: true },
  { pattern: '/simcards', page: pages.simcards },
  { pattern: '/simcards/:id', page: pages.simcard },
  { pattern: '/import', page: pages.import, adminOnly: true },
  { pattern: '/check-runs', page: pages.checkRuns, adminOnly: true },
  { pattern: '/logs', page: pages.logs },
  { pattern: '/users', page: pages.users, adminOnly: true },
  { pattern: '/api-keys', page: pages.apiKeys, adminOnly: true },
];

function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" role="status">
      {t('common.loading')}
    </p>
  );
}

function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t('error.page_not_found')}</h1>
    </section>
  );
}

/** A sale anywhere raises a notice on every page. */
function SaleNotices() {
  const { t } = useI18n();
  const notify = useNotify();
  useLiveEvent('simcard.sold', (data) => {
    const sim = (data as { simcard?: Simcard }).simcard;
    notify(t('live.sold', { iccid: sim?.iccid ?? '' }), 'success');
  });
  return null;
}

function Routes() {
  const { user } = useAuth();
  const { path } = useRoute();
  const { t } = useI18n();
  useEffect(() => {
    // Moving focus to the page lets screen readers announce the new page.
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);
  for (const route of routes) {
    const params = matchPath(route.pattern, path);
    if (!params) continue;
    if (route.adminOnly && user?.role !== 'admin') return <p role="alert">{t('error.forbidden')}</p>;
    const Page = route.page;
    return <Page params={params} />;
  }
  return <NotFound />;
}

function Gate() {
  const { user, checking } = useAuth();
  if (checking) return <Loading />;
  if (!user) return <LoginPage />;
  return (
    // Keyed by user: a different sign-in starts with a fresh event stream and fresh pages.
    <LiveProvider key={user.id}>
      <SaleNotices />
      <Layout>
        <Suspense fallback={<Loading />}>
          <Routes />
        </Suspense>
      </Layout>
    </LiveProvider>
  );
}

export function App() {
  return (
    <I18nProvider>
      <RouterProvider>
        <NoticeProvider>
          <AuthProvider>
            <Gate />
          </AuthProvider>
        </NoticeProvider>
      </RouterProvider>
    </I18nProvider>
  );
}
