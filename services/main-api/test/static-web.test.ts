/**
 * The built web app served by the main API (WEB_DIST_DIR, issue 18): one origin for the pages
 * and the API under /api, with caching headers and precompressed files. A small stand-in for
 * web/dist here; tests/e2e/prod-start.test.ts serves the real build from the compiled service.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TestApi } from './support/harness.js';

const INDEX = '<!doctype html><div id="root"></div>';
const SCRIPT = 'console.log("app");'.repeat(100);

describe('the web app served by the main API', () => {
  let api: TestApi;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'web-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets/index-abc123.js'), SCRIPT);
    writeFileSync(join(dir, 'assets/index-abc123.js.gz'), gzipSync(SCRIPT));
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
    api = await TestApi.start({ WEB_DIST_DIR: dir });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('index.html: revalidated every time (no-cache), 304 when unchanged', async () => {
    const res = await fetch(api.url + '/', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toBe(INDEX);
    // node:http, not fetch: fetch adds `Cache-Control: no-cache` to a conditional request, which forbids a 304.
    const status = await new Promise<number | undefined>((resolve, reject) =>
      get(
        api.url + '/',
        { headers: { accept: 'text/html', 'if-none-match': res.headers.get('etag')! } },
        (r) => (r.resume(), resolve(r.statusCode)),
      ).on('error', reject),
    );
    expect(status).toBe(304);
  });

  test('hashed assets: immutable for a year, sent precompressed to clients that accept it', async () => {
    const res = await fetch(api.url + '/assets/index-abc123.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(await res.text()).toBe(SCRIPT); // fetch undoes the gzip
    const plain = await fetch(api.url + '/assets/index-abc123.js', { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(Number(plain.headers.get('content-length'))).toBe(SCRIPT.length);
  });

  test('an app route reloaded in the browser gets index.html; the same path asked as JSON is the API', async () => {
    const page = await fetch(api.url + '/simcards', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(INDEX);
    const json = await api.get('/simcards?limit=1');
    expect(json.status).toBe(200);
    expect(Array.isArray(json.body.items ?? json.body.data ?? json.body)).toBe(true);
  });

  test('/api/… is the API with the prefix taken off (as vite’s proxy does); /api-keys is not /api', async () => {
    const viaPrefix = await api.get('/api/simcards?limit=1');
    expect(viaPrefix.status).toBe(200);
    expect((await api.get('/api/health')).body.database).toBe('ok');
    expect((await api.get('/api-keys')).status).not.toBe(404);
  });

  test('nothing outside the directory is reachable', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/assets/%2e%2e/%2e%2e/package.json']) {
      const res = await fetch(api.url + path, { headers: { accept: 'application/json' } });
      expect(res.headers.get('cache-control')).not.toBe('no-cache');
      expect(await res.text()).not.toContain('"workspaces"');
    }
  });
});
