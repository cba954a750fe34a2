/**
 * The app's pages: which URL shows which page, who may see it, and how its chunk is loaded.
 * Every page is its own chunk. This table is in the first chunk (it is only strings and loaders),
 * so that a signed-in visit can start the page's chunk while `GET /auth/me` is still on its way
 * (auth/session-start.ts; index.html's inline script in the production build, which vite.config.ts
 * writes from this file: keep each route on the pattern-then-load form below).
 * SignedInApp.tsx renders them.
 */
export type PageModule = { default: unknown };

/** A page: its URL pattern, who may see it, its chunk. Its first data request, if any: first-requests.ts. */
export interface Route {
  pattern: string;
  load: () => Promise<PageModule>;
  adminOnly?: boolean;
}

export const routes: Route[] = [
  { pattern: '/', load: () => import('./features/dashboard/DashboardPage') },
  { pattern: '/shops', load: () => import('./features/shops/ShopsPage'), adminOnly: true },
  { pattern: '/shops/:id', load: () => import('./features/shops/ShopPage'), adminOnly: true },
  { pattern: '/simcards', load: () => import('./features/simcards/SimcardsPage') },
  { pattern: '/simcards/:id', load: () => import('./features/simcards/SimcardPage') },
  { pattern: '/import', load: () => import('./features/imports/ImportPage'), adminOnly: true },
  { pattern: '/activation-reports', load: () => import('./features/activation-reports/ActivationReportsPage'), adminOnly: true },
  { pattern: '/check-runs', load: () => import('./features/check-runs/CheckRunsPage'), adminOnly: true },
  { pattern: '/logs', load: () => import('./features/logs/StatusLogPage') },
  { pattern: '/users', load: () => import('./features/users/UsersPage'), adminOnly: true },
  { pattern: '/api-keys', load: () => import('./features/api-keys/ApiKeysPage'), adminOnly: true },
  { pattern: '/handovers', load: () => import('./features/handovers/HandoversPage') },
  { pattern: '/handovers/:id', load: () => import('./features/handovers/HandoverPage') },
  { pattern: '/handovers/:id/print', load: () => import('./features/handovers/HandoverPrintPage') },
  // Issue 17: money and the chase.
  { pattern: '/statements', load: () => import('./features/statements/StatementsPage'), adminOnly: true },
  { pattern: '/statements/:id', load: () => import('./features/statements/ShopStatementPage'), adminOnly: true },
  { pattern: '/commission-rules', load: () => import('./features/money/CommissionRulesPage'), adminOnly: true },
  { pattern: '/chase', load: () => import('./features/chase/ChasePage'), adminOnly: true },
  { pattern: '/anomalies', load: () => import('./features/anomalies/AnomaliesPage'), adminOnly: true },
];
