/**
 * The app's first chunk: the language, the router, the session and the sign-in screen. What is
 * behind the sign-in (the query cache, the live events, the layout, every page) is another chunk
 * (SignedInApp.tsx), and every page its own, so a phone's first screen waits for little.
 */
import { Suspense } from 'react';
import { AuthProvider, useAuth } from './auth/auth';
import { LoginPage } from './auth/LoginPage';
import { loadSignedInApp } from './auth/session-start';
import { LoadFailureBoundary } from './components/LoadFailure';
import { I18nProvider, useI18n } from './i18n/i18n';
import { lazyReady } from './lazy-ready';
import { RouterProvider } from './router';

// Rendered in the same pass when session-start.ts has already loaded it.
const SignedInApp = lazyReady(loadSignedInApp);

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
          {/* The signed-in app's chunk not loaded (or anything failing to render): a screen to reload from, never a blank page. */}
          <LoadFailureBoundary>
            <Gate />
          </LoadFailureBoundary>
        </AuthProvider>
      </RouterProvider>
    </I18nProvider>
  );
}
