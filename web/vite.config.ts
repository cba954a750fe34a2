import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin, type ProxyOptions } from 'vite';
import { FIRST_REQUESTS, FIRST_SCREEN_STRINGS_PAGES, ROLE_KEY, WIDE_SCREEN } from './src/first-requests';

// The web app talks to the main API only, under /api, so the browser never needs CORS.
const apiPort = process.env.MAIN_API_PORT ?? '9022';
const webPort = Number(process.env.WEB_PORT ?? 5173);
// Loopback by default; WEB_HOST=0.0.0.0 lets staff phones on the shop's network reach it.
const webHost = process.env.WEB_HOST ?? '127.0.0.1';

// A regular expression (vite reads a leading ^ so): '/api' alone would also catch the page /api-keys.
const proxy: Record<string, ProxyOptions> = {
  '^/api(/|$)': {
    target: `http://127.0.0.1:${apiPort}`,
    changeOrigin: false,
    // The main API then sees who asked: /metrics through the proxy is not mistaken for a local scraper.
    xfwd: true,
    rewrite: (path) => path.replace(/^\/api/, '') || '/',
    // Server-sent events must not be buffered or time out while the page is open.
    timeout: 0,
    proxyTimeout: 0,
  },
};

const SRC = fileURLToPath(new URL('./src/', import.meta.url));
const INDEX_HTML = fileURLToPath(new URL('./index.html', import.meta.url));

interface OutputChunk {
  type: 'chunk';
  fileName: string;
  isEntry: boolean;
  moduleIds: string[];
  imports: string[];
  viteMetadata?: { importedCss: Set<string> };
}

/**
 * The production index.html starts, as the HTML arrives, what the visit needs after the first
 * chunk: with a stored session, `GET /auth/me`, the page's first data request
 * (src/first-requests.ts), the signed-in app's chunk (SignedInApp.tsx) and the page's
 * (src/routes.ts), with their imports and CSS; with Russian or English remembered, that
 * dictionary. They then download alongside the first chunk instead of after it, one after the
 * other. A small inline script, as it needs localStorage and the path; the chunks' hashed names
 * are known only here, after the build.
 */
function preloadFirstScreen(): Plugin {
  return {
    name: 'simcard:preload-first-screen',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return html;
        const chunks = Object.values(bundle).filter((c): c is OutputChunk & (typeof bundle)[string] => c.type === 'chunk');
        // By the modules in them: small chunks are merged (experimentalMinChunkSize, below).
        const byModule = new Map(chunks.flatMap((c) => c.moduleIds.map((id) => [id.replace(/\.[jt]sx?$/, ''), c] as const)));
        const byFile = new Map(chunks.map((c) => [c.fileName, c]));
        /** A module's chunk, its static imports (the entry's aside) and their CSS: what importing it fetches. */
        const files = (module: string): string[] => {
          const chunk = byModule.get(join(module));
          if (!chunk) throw new Error(`preload-first-screen: no chunk for ${module} (renamed? update vite.config.ts)`);
          const out = new Set<string>();
          const visit = (c: OutputChunk) => {
            if (c.isEntry || out.has(`/${c.fileName}`)) return;
            out.add(`/${c.fileName}`);
            for (const css of c.viteMetadata?.importedCss ?? []) out.add(`/${css}`);
            for (const imported of c.imports) {
              const next = byFile.get(imported);
              if (next) visit(next);
            }
          };
          visit(chunk);
          return [...out];
        };
        const source = readFileSync(join('routes.ts'), 'utf8');
        const routes = [...source.matchAll(/pattern: '([^']+)',\s*load: \(\) => import\('\.\/([^']+)'\)/g)].map(([, pattern, module]) => ({
          pattern: pattern!,
          files: files(module!),
        }));
        if (routes.length !== (source.match(/pattern: '/g) ?? []).length)
          throw new Error('preload-first-screen: a route of src/routes.ts is not written as `pattern: …, load: () => import(…)`');
        // Each file once; the lists hold indexes into it.
        const all: string[] = [];
        const ids = (list: string[]) => list.map((f) => (all.includes(f) ? all.indexOf(f) : all.push(f) - 1));
        const manifest = {
          signedIn: ids(files('SignedInApp')),
          // A remembered language's strings: the first screens' part (i18n/ru.first.ts) before the
          // sign-in screen and a phone's SIM list, the whole dictionary before any other page.
          lang: { ru: ids(files('i18n/ru.first')), en: ids(files('i18n/en.first')) },
          whole: { uz: ids(files('i18n/uz')), ru: ids(files('i18n/ru')), en: ids(files('i18n/en')) },
          routes: routes.map((r) => [`^${r.pattern.replace(/:\w+/g, '[^/]+')}$`, ids(r.files), r.pattern]),
          files: all,
        };
        // Keys as in src/api/client.ts (token) and src/i18n/i18n.tsx (language). With a session:
        // `GET /auth/me` and the page's first request (src/first-requests.ts, the same rule as
        // src/auth/session-start.ts, which takes them over), then the chunks; the language's
        // strings: the first screens' part for the sign-in screen and FIRST_SCREEN_STRINGS_PAGES
        // (when their first request is asked), else the whole dictionary (the same rule as
        // session-start.ts's firstScreenStrings). Also says the remembered language on <html> from the start.
        const script = `(function(){try{var m=${JSON.stringify(manifest)},f=${JSON.stringify(FIRST_REQUESTS)},L=${JSON.stringify(Object.keys(FIRST_SCREEN_STRINGS_PAGES))},s=window.localStorage,g=s.getItem('simcard.lang'),l=m.whole[g]?g:'uz',u=[],t=s.getItem('simcard.token'),w=!t;
if(l!=='uz')document.documentElement.lang=g;
if(t){u=u.concat(m.signedIn);var h={Accept:'application/json',Authorization:'Bearer '+t},b=window.__firstScreen={me:fetch('/api/auth/me',{headers:h}),data:{}};
for(var i=0;i<m.routes.length;i++){var r=m.routes[i];if(!new RegExp(r[0]).test(location.pathname))continue;u=u.concat(r[1]);var q=f[r[2]],p=new URLSearchParams(location.search);
if(q&&!q.unlessSearch.some(function(n){return p.has(n)})&&(!q.cardList||s.getItem(${JSON.stringify(ROLE_KEY)})==='staff'||!matchMedia(${JSON.stringify(WIDE_SCREEN)}).matches)){b.data[r[2]]=fetch('/api'+q.path+'?'+new URLSearchParams(q.query),{headers:h});w=L.indexOf(r[2])>=0}break}}
u=u.concat(w?m.lang[l]||[]:m.whole[l]);
u.forEach(function(n,i){if(u.indexOf(n)<i)return;var h=m.files[n],l=document.createElement('link');if(/\\.css$/.test(h)){l.rel='preload';l.as='style'}else l.rel='modulepreload';l.crossOrigin='';l.href=h;document.head.appendChild(l)})}catch(e){}})()`;
        // crossOrigin as vite's own preloads (else the browser fetches a file twice). In place of
        // the marker in index.html: before the stylesheet, which an inline script would wait for.
        if (!html.includes(MARKER)) throw new Error(`preload-first-screen: index.html has no ${MARKER}`);
        return html.replace(MARKER, `<script>${script}</script>`);
      },
    },
  };
}

const MARKER = '<!-- first-screen-preload -->';

/**
 * The first screens' chunks (the sign-in screen's and a phone's SIM list's: FIRST_SCREEN_CHUNKS)
 * start with V8's explicit compile hint, `//# allFunctionsCalledOnLoad`: Chromium then compiles
 * all their functions on the background thread that parses the file as it downloads, instead of
 * each on the main thread at its first call — which, for the first render (Preact, the router, the
 * session, the layout, the list), was most of the ~60–90 ms of script between the last file's
 * arrival and the rows on a phone's 4× slower CPU (bench/src/phone-first-screen.ts --trace). Their
 * functions nearly all run on that visit; other chunks stay lazily compiled (a page's code runs
 * when it is opened; the print page's barcode library is 0.9 MB). The browser's code cache of
 * them (written on a second visit) then holds every function: a few ms more to write, none to
 * compile on later visits. Other browsers ignore the line.
 */
const FIRST_SCREEN_CHUNKS = new Set(['index', 'signed-in', 'SimcardsPage']);

function firstScreenCompileHints(): Plugin {
  return {
    name: 'simcard:first-screen-compile-hints',
    apply: 'build',
    generateBundle: {
      order: 'post',
      handler(_, bundle) {
        for (const chunk of Object.values(bundle))
          // The file's first line, the only place V8 reads it: after vite's own first line (its
          // preload list, written in this hook), so after the files' hashes (a fixed line for a
          // fixed chunk, as vite's own).
          if (chunk.type === 'chunk' && FIRST_SCREEN_CHUNKS.has(chunk.name)) chunk.code = `//# allFunctionsCalledOnLoad\n${chunk.code}`;
      },
    },
  };
}

/**
 * The first part of each dictionary (src/i18n/uz.first.ts, ru.first.ts, en.first.ts): the entries
 * of uz.ts / ru.ts / en.ts whose keys the first screens' modules name — what main.tsx, the
 * signed-in app and FIRST_SCREEN_STRINGS_PAGES (a phone's SIM list) import, not lazily — as a
 * quoted key ('nav.shops') or a prefix a key is made from (`status.${status}`). In the build and
 * the dev server alike; elsewhere those modules are the whole dictionary. A key missed here (made
 * some other way) shows as the key until the whole dictionary is in, then the app renders again
 * (src/i18n/i18n.tsx).
 */
function firstScreenDictionaries(): Plugin {
  return {
    name: 'simcard:first-screen-dictionaries',
    load(id) {
      const lang = /\/src\/i18n\/(uz|ru|en)\.first\.ts$/.exec(id)?.[1];
      if (!lang) return null;
      const keys = firstScreenKeys();
      const file = join(`i18n/${lang}.ts`);
      this.addWatchFile(file);
      const picked = dictionaryEntries(file).filter((e) => keys.has(e.key));
      if (picked.length !== keys.size) throw new Error(`first-screen-dictionaries: ${file} lacks some of the first screens' keys`);
      return `export const dictionary = {\n${picked.map((e) => e.text).join('\n')}\n};\n`;
    },
  };
}

/** A dictionary's entries as written (prettier's layout: each on its own lines, two spaces in, its key quoted, a trailing comma). */
function dictionaryEntries(file: string): Array<{ key: string; text: string }> {
  const source = readFileSync(file, 'utf8');
  const body = source.slice(source.indexOf('{', source.indexOf('= {')) + 1, source.lastIndexOf('\n};'));
  return body
    .split(/\n(?= {2}'[^']+':)/)
    .map((text) => ({ key: /^ {2}'([^']+)':/.exec(text)?.[1], text }))
    .filter((e): e is { key: string; text: string } => e.key !== undefined);
}

/** The dictionary keys the first screens' modules name (see firstScreenDictionaries). */
function firstScreenKeys(): Set<string> {
  // Not the `reason.*` sentences (76 of ~200 keys, 2 kB brotli): i18n/errors.ts names them all,
  // but they are an error's details, shown only after something was sent, by when the whole
  // dictionary (asked right after the first screen's paint) is in; a reason shown before still
  // reads right a moment later (i18n.tsx renders again).
  const all = dictionaryEntries(join('i18n/uz.ts'))
    .map((e) => e.key)
    .filter((key) => !key.startsWith('reason.'));
  const known = new Set(all);
  const used = new Set<string>();
  const roots = ['main.tsx', 'SignedInApp.tsx', ...Object.values(FIRST_SCREEN_STRINGS_PAGES)].map(join);
  for (const file of staticImports(roots)) {
    if (/\/i18n\/(uz|ru|en)(\.first)?\.ts$/.test(file)) continue;
    const source = readFileSync(file, 'utf8');
    for (const [, literal] of source.matchAll(/['"]([\w.]+)['"]/g)) if (known.has(literal!)) used.add(literal!);
    for (const [, a, b] of source.matchAll(/`([\w.]+\.)\$\{|['"]([\w.]+\.)['"]\s*\+/g))
      for (const key of all) if (key.startsWith((a ?? b)!)) used.add(key);
  }
  return used;
}

/** The modules these import, not lazily and not only for types (relative imports), themselves included. */
function staticImports(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [statement, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm)) {
      if (/^(?:import|export)\s+type\s/.test(statement)) continue;
      const base = resolve(dirname(file), spec!);
      const found = [base, `${base}.ts`, `${base}.tsx`].find((f) => /\.tsx?$/.test(f) && existsSync(f));
      if (found) visit(found);
    }
  };
  for (const root of roots) visit(root);
  return seen;
}

function join(module: string): string {
  return `${SRC}${module}`;
}

/**
 * React's API, rendered by Preact (preact/compat): the code imports 'react' as before, and the first chunk carries a renderer of ~10 kB
 * instead of React DOM's ~190 kB, which a phone on 3G downloads and a slow CPU parses and runs
 * before the sign-in screen (bench/RESULTS.md, the phone-preact section: 4.3 → 2.7 s on 3G Slow). The same in the dev
 * server, so what is tested is what ships; the types stay React's (@types/react). Exact names:
 * 'react' alone would also catch 'react-dom' and 'react-query'.
 */
type ModuleInfo = (id: string) => { importedIds: readonly string[]; importers: readonly string[] } | null;

/**
 * The chunks, by what loads them (rollupOptions.output.manualChunks):
 * - index: the first chunk, what main.tsx imports (named too: else rollup moves the modules the
 *   other groups share with it, Preact and the API client, into those, and the first chunk waits);
 * - signed-in: what SignedInApp.tsx imports beyond it (the query cache, the live events, the
 *   layout, the notices);
 * - errors: the error box, the API codes' sentences and the identifiers' form rules
 *   (components/ErrorMessage.tsx, i18n/errors.ts, i18n/validation.ts), loaded by the sign-in
 *   screen and a phone's SIM list on their first error (LazyErrorMessage), by the other pages
 *   with their own chunk;
 * - shared: the pages' other common parts (components/, shared/: dialogs, pager, charts…), one
 *   file instead of a dozen of a few hundred bytes;
 * - sim-table: the desktop SIM table and what only it uses (its dialogs), loaded by an admin's
 *   wide screen and the shop page, never by a phone's SIM list;
 * - SimcardsPage: the SIM list's page and the parts of components/ and shared/ it imports (badges,
 *   ICCID helpers, the scanner's button), so a phone's list loads three JS files and none of the
 *   other pages' shared parts (those pages load this chunk for the parts they share with it);
 * - each page its own chunk (rollup's default).
 * Rollup's merging of small chunks (experimentalMinChunkSize, used before) put other pages' code
 * — the import, check-run, users, API keys pages…, ~36 kB — into a chunk the signed-in app
 * loaded, which a phone downloaded and parsed before its SIM list (bench/RESULTS.md, the phone
 * sections).
 */
function chunkGroups(): (id: string, api: { getModuleInfo: ModuleInfo }) => string | undefined {
  let groups: Map<string, string> | undefined;
  const closure = (getModuleInfo: ModuleInfo, root: string): Set<string> => {
    const seen = new Set<string>();
    const visit = (id: string) => {
      if (seen.has(id)) return;
      seen.add(id);
      for (const next of getModuleInfo(id)?.importedIds ?? []) visit(next);
    };
    visit(root);
    if (!getModuleInfo(root)) throw new Error(`chunkGroups: no module ${root} (renamed? update vite.config.ts)`);
    return seen;
  };
  const build = (getModuleInfo: ModuleInfo): Map<string, string> => {
    const out = new Map<string, string>();
    // index.html's: main.tsx.
    const entry = closure(getModuleInfo, INDEX_HTML);
    for (const id of entry) out.set(id, 'index');
    for (const id of closure(getModuleInfo, join('SignedInApp.tsx'))) if (!out.has(id)) out.set(id, 'signed-in');
    // The error box with the API codes' sentences (i18n/errors.ts) and the identifiers' form
    // rules, which say their reasons with them: the first screens load it with their first error
    // (components/LazyErrorMessage.tsx), the other pages with themselves. Named, else rollup puts
    // the rules into the table's chunk, which the shared parts then import (a cycle).
    for (const root of ['components/ErrorMessage.tsx', 'i18n/validation.ts'])
      for (const id of closure(getModuleInfo, join(root))) if (!out.has(id)) out.set(id, 'errors');
    // The table's own parts: what the SIM list does not use and no module outside the table imports.
    const list = closure(getModuleInfo, join('features/simcards/SimcardsPage.tsx'));
    const root = join('shared/SimTable.tsx');
    const table = closure(getModuleInfo, root);
    for (const id of table)
      if (id === root || (!out.has(id) && !list.has(id) && (getModuleInfo(id)?.importers ?? []).every((by) => table.has(by))))
        out.set(id, 'sim-table');
    // The SIM list's page with the parts of components/ and shared/ it uses: one file for the
    // phone's first screen, without the other pages' shared parts (charts, dialogs, pager…).
    for (const id of list) if (!out.has(id)) out.set(id, 'SimcardsPage');
    return out;
  };
  const shared = new RegExp(`^${SRC.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(components|shared)/`);
  return (id, { getModuleInfo }) => {
    groups ??= build(getModuleInfo);
    // Statically imported only: the scanner's decoder (zxing), imported on demand, stays its own chunk.
    return groups.get(id) ?? (shared.test(id) && getModuleInfo(id)?.importers.length ? 'shared' : undefined);
  };
}

const preactCompat = [
  { find: /^react$/, replacement: 'preact/compat' },
  { find: /^react-dom$/, replacement: 'preact/compat' },
  { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
  { find: /^react\/jsx-runtime$/, replacement: 'preact/compat/jsx-runtime' },
  { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/compat/jsx-dev-runtime' },
];

export default defineConfig({
  plugins: [firstScreenDictionaries(), preloadFirstScreen(), firstScreenCompileHints()],
  resolve: { alias: preactCompat },
  // JSX as tsconfig's react-jsx (automatic runtime, 'react/jsx-runtime', aliased above). No React
  // Fast Refresh (it needs React DOM): an edit in the dev server reloads the page.
  esbuild: { jsx: 'automatic', jsxImportSource: 'react' },
  server: { port: webPort, strictPort: true, host: webHost, proxy },
  preview: { port: webPort, strictPort: true, host: webHost, proxy },
  build: {
    target: 'es2022',
    // No polyfill of <link rel="modulepreload"> (1.2 kB of the first chunk, run before anything
    // else): the staff's phones run Chromium (Chrome, Android's WebView), which has had it since
    // 2018, as have Firefox 115 and Safari 17. An older browser ignores the links and fetches
    // each chunk when it is imported: slower there, not broken (vite's dynamic imports then
    // preload with rel=preload).
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 400,
    // A page is a few requests, not 20 (a phone pays a round trip each, six at a time): the first
    // chunk, the signed-in app's, the page's own (the SIM list's holds the shared parts it uses) and
    // the other shared parts (chunkGroups, above).
    rollupOptions: {
      output: { manualChunks: chunkGroups() },
      // A library's "use client" lines mean nothing to a bundle (plugin-react hid this warning too).
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
