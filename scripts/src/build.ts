/**
 * `npm run build`: the production build.
 *   1. each service package's src/ → dist/ with tsc (tsconfig.build.json), in dependency order;
 *      packages find each other's dist/ through the "simcard-dist" export condition, which
 *      `npm run start:prod` (and deploy/systemd) pass to node;
 *   2. the web app → web/dist with vite (React's production build);
 *   3. each text file of web/dist also written brotli- and gzip-compressed beside it (.br, .gz),
 *      which the main API (static-web.ts) and nginx (gzip_static) send as they are.
 * Stops at the first failure with its exit code.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { SERVICE_PACKAGES } from './build-packages.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt|map)$/;

const { values } = parseArgs({
  options: { 'skip-web': { type: 'boolean', default: false }, 'skip-services': { type: 'boolean', default: false } },
});

function run(what: string, command: string, args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = process.env): void {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`build: ${what} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
  console.log(`build: ${what} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

if (!values['skip-services']) {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
  for (const pkg of SERVICE_PACKAGES) {
    run(`${pkg} → ${pkg}/dist`, process.execPath, [tsc, '-p', join(pkg, 'tsconfig.build.json')]);
    // tsc (incremental) leaves an unchanged output file as it was: without this, dist/index.js stays older than a source
    // edited since and `buildIsStale` (npm start -- --prod, the e2e stacks) would rebuild on every start.
    const now = new Date();
    utimesSync(join(ROOT, pkg, 'dist/index.js'), now, now);
  }
}

if (!values['skip-web']) {
  const webDir = join(ROOT, 'web');
  const vite = join(dirname(createRequire(join(webDir, 'package.json')).resolve('vite/package.json')), 'bin/vite.js');
  // React's production build whatever NODE_ENV the shell has.
  run('web → web/dist', process.execPath, [vite, 'build'], webDir, { ...process.env, NODE_ENV: 'production' });
  let files = 0;
  let before = 0;
  let after = 0;
  for (const file of walk(join(webDir, 'dist'))) {
    if (!COMPRESSIBLE.test(file)) continue;
    const data = readFileSync(file);
    if (data.length < 512) continue;
    const br = brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    });
    writeFileSync(file + '.br', br);
    writeFileSync(file + '.gz', gzipSync(data, { level: 9 }));
    files++;
    before += data.length;
    after += br.length;
  }
  console.log(`build: ${files} web files precompressed (${(before / 1024).toFixed(0)} KB → ${(after / 1024).toFixed(0)} KB brotli)`);
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
