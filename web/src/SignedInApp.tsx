/**
 * Everything behind the sign-in, as its own chunk: the query cache, the live event stream, the
 * notices, the layout and the pages (routes.ts; each page its own chunk). The sign-in screen
 * does not wait for any of it; a visit with a stored session asks for it at start
 * (auth/session-start.ts), with the page's chunk and first data.
 */
import { type ComponentType, type ReactNode, Suspense, useEffect, useState } from 'react';
import type { Simcard, User } from './api/models';
import { createAppQueryClient } from './api/queries';
import { type QueryClient, QueryClientProvider } from './api/query-cache';
import { forgetPrefetched, prefetchedAnswers } from './auth/session-start';
import { Layout } from './components/Layout';
import { LoadFailureBoundary } from './components/LoadFailure';
import { NoticeProvider, useSaleNotice } from './components/Notices';
import { WholeDictionary } from './components/WholeDictionary';
import { FIRST_SCREEN_STRINGS } from './first-requests';
import { useI18n } from './i18n/i18n';
import { type ComponentModule, lazyReady, preload } from './lazy-ready';
import { LiveInvalidation } from './live/invalidate';
import { LiveProvider, useLiveEvent } from './live/live';
import { matchPath, useRoute } from './router';
import { routes } from './routes';

type Page = ComponentType<{ params: Record<string, string> }>;

// The page whose chunk session-start.ts loaded at the visit's start renders without suspending.
const pages: Array<{ pattern: string; page: Page; load: () => Promise<unknown>; adminOnly?: boolean }> = routes.map((route) => {
  const load = route.load as () => Promise<ComponentModule<{ params: Record<string, string> }>>;
  return { pattern: route.pattern, adminOnly: route.adminOnly, page: lazyReady(load), load: () => preload(load) };
});

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

/** A sale anywhere raises a notice on every page: one per SIM, deduplicated with a manual check's. */
function SaleNotices() {
  const announceSale = useSaleNotice();
  useLiveEvent('simcard.sold', (data) => {
    const sim = (data as { simcard?: Simcard }).simcard;
    if (sim) announceSale(sim);
  });
  return null;
}

function Routes({ user }: { user: User }) {
  const { path } = useRoute();
  const { t } = useI18n();
  useEffect(() => {
    // Moving focus to the page lets screen readers announce the new page.
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [path]);
  for (const route of pages) {
    const params = matchPath(route.pattern, path);
    if (!params) continue;
    if (route.adminOnly && user.role !== 'admin') return <p role="alert">{t('error.forbidden')}</p>;
    const Page = route.page;
    // Only the first screens' pages render from the dictionary's first part; any other waits for
    // the whole one (never a key), its chunk loading meanwhile.
    if (FIRST_SCREEN_STRINGS.includes(route.pattern)) return <Page params={params} />;
    return (
      <WholeDictionary alongside={route.load}>
        <Page params={params} />
      </WholeDictionary>
    );
  }
  return <NotFound />;
}

/**
 * A page whose chunk could not be loaded (or that failed to render) shows the failure screen in
 * the layout, whose navigation still opens any other page: the boundary starts over with the path.
 */
function PageBoundary({ children }: { children: ReactNode }) {
  const { path } = useRoute();
  return <LoadFailureBoundary resetKey={path}>{children}</LoadFailureBoundary>;
}

/**
 * The query cache of one signed-in user, holding what was asked at start (once the session is
 * confirmed, those answers are this user's). An answer asked at start is shown by the page's
 * first read without asking again (or within 30 s at most: QueryClient.seed); after that the
 * cache's usual rule (re-read whenever a screen opens) applies. One already in is in the cache
 * before the first render: the page renders once, with its rows.
 */
function userQueryClient(): QueryClient {
  const client = createAppQueryClient();
  for (const { key, answer, settled } of prefetchedAnswers()) client.seed(key, settled ?? answer);
  return client;
}

export default function SignedInApp({ user }: { user: User }) {
  // App.tsx keys this by user: another sign-in starts with an empty cache and a fresh event stream.
  const [queryClient] = useState(userQueryClient);
  useEffect(forgetPrefetched, []);
  return (
    <QueryClientProvider client={queryClient}>
      <NoticeProvider>
        <LiveProvider>
          <LiveInvalidation />
          <SaleNotices />
          <Layout>
            <PageBoundary>
              <Suspense fallback={<Loading />}>
                <Routes user={user} />
              </Suspense>
            </PageBoundary>
          </Layout>
        </LiveProvider>
      </NoticeProvider>
    </QueryClientProvider>
  );
}
