/** What `npm run build` produces, and whether it is older than its sources. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The service packages `npm run build` compiles, in dependency order (each one's dist/ before its importers'). */
export const SERVICE_PACKAGES = ['common', 'db', 'services/provider-sim', 'services/main-api', 'services/status-api'] as const;

const OUTPUTS = [
  ...SERVICE_PACKAGES.map((p) => ({ out: join(ROOT, p, 'dist/index.js'), src: [join(ROOT, p, 'src')] })),
  { out: join(ROOT, 'web/dist/index.html'), src: [join(ROOT, 'web/src'), join(ROOT, 'web/index.html')] },
];

/** Build outputs that do not exist. */
export function buildIsMissing(): string[] {
  return OUTPUTS.filter((o) => !existsSync(o.out)).map((o) => o.out);
}

/** Build outputs that do not exist or are older than a file of their sources (`npm start -- --prod` then rebuilds). */
export function buildIsStale(): string[] {
  return OUTPUTS.filter((o) => !existsSync(o.out) || newestMtime(o.src) > statSync(o.out).mtimeMs).map((o) => o.out);
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime([join(path, name)]));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  }
  return newest;
}
