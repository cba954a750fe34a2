/** What `npm start` runs: one entry per service, with the port it owns and how to tell it is up. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '@simcard/common';

export type WebMode = 'dev' | 'prod';

export interface Part {
  /** The output prefix. */
  name: string;
  /** What people call it in messages. */
  title: string;
  command: string;
  /** Where the command runs (the repository root unless given). */
  cwd?: string;
  port: number;
  /** The variable that moves it to another port, named when the port is taken. */
  portVariable: string;
  /** Printed once everything is up. */
  url: string;
  healthUrl: string;
  color: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WEB_DIR = join(ROOT, 'web');
/** vite's own CLI, run by node directly (as `npm run dev -w web` would, minus npm). */
export const VITE_BIN = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');

/**
 * The same entry files as `npm run main-api` (etc.), run as one `node --import tsx` process each
 * instead of npm → sh → tsx's launcher → node: a third of the processes to boot on two shared
 * cores, and Ctrl-C reaches the server itself.
 */
const service = (entry: string) => `node --import tsx ${entry}`;
/**
 * `--prod`: the compiled JavaScript (`npm run build`), no tsx; packages resolve each other's dist/
 * through the "simcard-dist" export condition. Small young-generation semi-spaces keep an idle
 * main API near 100 MB RSS (issue 14 goal 7; bench/RESULTS.md).
 */
export const PROD_NODE_FLAGS = '--conditions=simcard-dist --max-semi-space-size=2';
const compiled = (entry: string) => `node ${PROD_NODE_FLAGS} ${entry.replace('/src/', '/dist/').replace(/\.ts$/, '.js')}`;

/** The parts to start; `config` holds the final ports (none of them 0). */
export function partsToStart(config: Config, web: WebMode): Part[] {
  const api = (name: string, title: string, entry: string, port: number, portVariable: string, color: string): Part => {
    const url = `http://127.0.0.1:${port}`;
    return {
      name,
      title,
      command: web === 'prod' ? compiled(entry) : service(entry),
      port,
      portVariable,
      url,
      healthUrl: `${url}/health`,
      color,
    };
  };
  const parts = [
    api('main-api', 'main API', 'services/main-api/src/server.ts', config.mainApi.port, 'MAIN_API_PORT', 'blue'),
    api('status-api', 'status API', 'services/status-api/src/server.ts', config.statusApi.port, 'STATUS_API_PORT', 'magenta'),
  ];
  if (config.provider.simulated) {
    parts.push(
      api(
        'provider',
        'simulated provider',
        'services/provider-sim/src/server.ts',
        config.provider.simulatorPort,
        'PROVIDER_SIM_PORT',
        'yellow',
      ),
    );
  }
  // --prod: the main API serves the built web app itself (WEB_DIST_DIR, static-web.ts), not vite preview.
  if (web === 'prod') return parts;
  // web/vite.config.ts reads WEB_PORT and MAIN_API_PORT from the environment the start script passes,
  // binds 127.0.0.1 with strictPort (never quietly another port), and proxies /api to the main API.
  const webUrl = `http://127.0.0.1:${config.web.port}`;
  parts.push({
    name: 'web',
    title: 'web app',
    command: `node "${VITE_BIN}"`,
    cwd: WEB_DIR,
    port: config.web.port,
    portVariable: 'WEB_PORT',
    url: webUrl,
    healthUrl: webUrl + '/',
    color: 'green',
  });
  return parts;
}
