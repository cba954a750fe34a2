/**
 * The built web app (web/dist), served by the main API itself in production (WEB_DIST_DIR), so
 * one origin answers both, as vite's dev server does:
 *   /api/…  → the API, with the prefix taken off (the web app calls the API as /api/…);
 *   a file of web/dist → that file; hashed assets (/assets/…) are immutable for a year, the rest
 *     (index.html above all) `no-cache`, revalidated by ETag/Last-Modified;
 *   any other GET that a browser asks for as a page (Accept: text/html) → index.html (the app's
 *     own routes, e.g. /simcards, reloaded in the browser);
 *   everything else → the API at its own paths, unchanged (integrations, /health, /metrics).
 * Files are sent precompressed (brotli or gzip, written next to them by `npm run build`) to the
 * clients that accept it. No directory listing; nothing outside the directory is reachable.
 */
import { createReadStream, existsSync, type Stats, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import type { Middleware } from 'koa';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
/** Vite names every file under assets/ by its content's hash: a changed file is a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Always asked again (cheaply, 304), so a new release's index.html is seen at once. */
const REVALIDATE = 'no-cache';

export function staticWeb(distDir: string | undefined): Middleware {
  if (!distDir) return (_ctx, next) => next();
  const root = resolve(distDir);
  const indexFile = join(root, 'index.html');
  // Said at start, not as a 404 on the first visit.
  if (!existsSync(indexFile)) throw new Error(`WEB_DIST_DIR: ${indexFile} does not exist (run \`npm run build\` first)`);

  return async (ctx, next) => {
    if (ctx.path === '/api' || ctx.path.startsWith('/api/')) {
      ctx.path = ctx.path.slice(4) || '/';
      return next();
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    let file = fileFor(root, ctx.path);
    if (!file && (ctx.get('Accept') ?? '').includes('text/html')) file = { path: indexFile, stat: statSync(indexFile) };
    if (!file) return next();

    ctx.set('Cache-Control', ctx.path.startsWith('/assets/') ? IMMUTABLE : REVALIDATE);
    ctx.type = TYPES[extname(file.path)] ?? 'application/octet-stream';
    ctx.lastModified = file.stat.mtime;
    ctx.etag = `W/"${file.stat.size.toString(16)}-${file.stat.mtimeMs.toString(16)}"`;
    ctx.vary('Accept-Encoding');
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    const encodings = ctx.acceptsEncodings() as string[];
    let sent = file.path;
    let length = file.stat.size;
    for (const [encoding, suffix] of [
      ['br', '.br'],
      ['gzip', '.gz'],
    ] as const) {
      if (!encodings.includes(encoding)) continue;
      const packed = statIfFile(file.path + suffix);
      if (!packed) continue;
      ctx.set('Content-Encoding', encoding);
      sent = file.path + suffix;
      length = packed.size;
      break;
    }
    if (ctx.method === 'HEAD') {
      // koa drops the type and length with a null body: set them again after it.
      const type = ctx.type;
      ctx.body = null;
      ctx.status = 200;
      ctx.type = type;
    } else {
      ctx.body = createReadStream(sent);
    }
    ctx.length = length;
  };
}

function fileFor(root: string, urlPath: string): { path: string; stat: Stats } | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const path = resolve(root, '.' + decoded);
  if (path !== root && !path.startsWith(root + sep)) return undefined;
  const stat = statIfFile(path);
  return stat ? { path, stat } : undefined;
}

function statIfFile(path: string): Stats | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat : undefined;
  } catch {
    return undefined;
  }
}
