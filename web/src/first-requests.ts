/**
 * The first data request of a page, asked for at the very start of a signed-in visit: by
 * index.html's inline script in the production build (vite.config.ts writes it from this table),
 * else by auth/session-start.ts. The page reads it from its query cache under the key
 * `['get', path, { params: { query } }]`, the one api/queries.ts gives
 * `$api.useQuery('get', path, { params: { query } })`: the page must ask exactly this (see its
 * comment), or the answer is not used (the app makes the request again; nothing worse).
 * Plain data without imports: vite.config.ts reads it too.
 */
export interface FirstRequest {
  path: string;
  query: Record<string, string | number>;
  /** Not guessed when the URL has any of these (a search, a filter): the page asks for itself. */
  unlessSearch: string[];
  /** Only where the page shows the phone's card list: a narrow screen, or a staff user (the last one signed in here). */
  cardList: boolean;
}

/** By route pattern (routes.ts). */
export const FIRST_REQUESTS: Record<string, FirstRequest> = {
  // features/simcards/SimCardList.tsx: its first page, without a search or a status.
  '/simcards': { path: '/simcards', query: { sort: '-id', limit: 20, offset: 0 }, unlessSearch: ['q', 'status'], cardList: true },
};

/**
 * The pages whose strings are in the first part of the dictionary (i18n/uz.first.ts; vite.config.ts
 * gathers the keys their modules name), shown before the rest of it is loaded when their first
 * request above is asked (a phone's card list). By route pattern, with the page's module.
 */
export const FIRST_SCREEN_STRINGS_PAGES: Record<string, string> = { '/simcards': 'features/simcards/SimcardsPage.tsx' };
export const FIRST_SCREEN_STRINGS = Object.keys(FIRST_SCREEN_STRINGS_PAGES);

/** Wider than this, an admin sees the SIM table (features/simcards/SimcardsPage.tsx), not the card list. */
export const WIDE_SCREEN = '(min-width: 900px)';

export const ROLE_KEY = 'simcard.role';
