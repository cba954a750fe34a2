/**
 * The app's first chunk: the language, the router, the session and the sign-in screen. What is
 * behind the sign-in (the query cache, the live events, the layout, every page) is another chunk
 * (SignedInApp.tsx), and every page its own, so a phone's first screen waits for little.
 */
import { lazy, Suspense } from 'react';
import { AuthProvider, useAuth } from './auth/auth';
import { LoginPage } from './auth/LoginPage';
import { I18nProvider, useI18n } from './i18n/i18n';
import { RouterProvider } from './router';

const SignedInApp = lazy(() => import('./SignedInApp'));

function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" role="status">
      {t('common.loading')}
    </p>
  );
}

function Gate() {
  const { user, checking } = useAuth();
  if (checking) return <Loading />;
  if (!user) return <LoginPage />;
  return (
    <Suspense fallback={<Loading />}>
      {/* Keyed by user: a different sign-in starts with a fresh cache, event stream and pages. */}
      <SignedInApp user={user} key={user.id} />
    </Suspense>
  );
}

export function App() {
  return (
    <I18nProvider>
      <RouterProvider>
        <AuthProvider>
          <Gate />
        </AuthProvider>
      </RouterProvider>
    </I18nProvider>
  );
}
