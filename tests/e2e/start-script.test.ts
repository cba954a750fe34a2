/**
 * `npm start` (scripts/start-servers.ts) as an operator meets it: run as a child process on a
 * fresh SQLite file and free ports, with the web app from vite's dev server. No browser needed.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { isPortInUse } from '../../scripts/lib/ports.js';
import { processesInGroup, survivorsOfGroup } from './support/processes.js';
import { runStartScript, type StartScript, startStack } from './support/stack.js';

const START_TIMEOUT = 180_000;

async function allFree(ports: number[]): Promise<boolean> {
  return (await Promise.all(ports.map(isPortInUse))).every((used) => !used);
}

describe('npm start', () => {
  let script: StartScript | undefined;
  afterEach(async () => {
    await script?.stop();
    script = undefined;
  }, 60_000);

  test(
    'a port already in use is named with the variable that moves it, and nothing is started',
    async () => {
      const squatter: Server = createServer();
      await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', () => resolve()));
      const taken = (squatter.address() as { port: number }).port;
      try {
        script = await runStartScript({ env: { STATUS_API_PORT: String(taken) } });
        const { code } = await script.exit;
        expect(code).toBe(1);
        expect(script.output()).toContain(`port ${taken} (status API) is already in use`);
        expect(script.output()).toContain('STATUS_API_PORT');
        // Refused before anything began: no database was created.
        expect(existsSync(join(script.dir, 'e2e.sqlite'))).toBe(false);
      } finally {
        squatter.close();
      }
    },
    START_TIMEOUT,
  );

  test(
    'a bad configuration value stops it with one line naming the variable',
    async () => {
      script = await runStartScript({ env: { WEB_PORT: 'eighty' } });
      const { code } = await script.exit;
      expect(code).toBe(1);
      const lines = script.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/WEB_PORT/);
    },
    START_TIMEOUT,
  );

  test(
    'with PROVIDER_URL set it says the simulator is not started; it prints the URLs and how to sign in; Ctrl-C stops every part and frees every port',
    async () => {
      const stack = await startStack({ prod: false, env: { PROVIDER_URL: 'http://127.0.0.1:9/' } });
      script = stack;
      const out = stack.output();
      expect(out).toMatch(/PROVIDER_URL.*the simulator is not started/);
      expect(out).not.toContain('[provider');
      expect(await isPortInUse(stack.ports.provider)).toBe(false);
      for (const url of [stack.web, stack.mainApi, `http://127.0.0.1:${stack.ports.status}`]) expect(out).toContain(url);
      expect(out).toContain(`Open ${stack.web} and sign in as "admin" with ADMIN_PASSWORD.`);
      const health = await fetch(`${stack.mainApi}/health`);
      expect(health.status).toBe(200);

      process.kill(stack.pid, 'SIGINT');
      const { code } = await stack.exit;
      expect(code).toBe(0);
      expect(stack.output()).toContain('[start] Stopped.');
      expect(await survivorsOfGroup(stack.pid)).toEqual([]);
      expect(await allFree([stack.ports.main, stack.ports.status, stack.ports.web])).toBe(true);
    },
    START_TIMEOUT,
  );

  test(
    'a part that crashes is restarted (saying so, with its last lines) while the others keep running; Ctrl-C still stops everything',
    async () => {
      const stack = await startStack({ prod: false });
      script = stack;
      const simulator = () => processesInGroup(stack.pid).filter((p) => p.args.includes('provider-sim/src/server.ts'));
      expect(simulator().length).toBeGreaterThan(0);
      for (const p of simulator()) process.kill(p.pid, 'SIGKILL');

      // Said, restarted after a second, healthy again; the main API never stopped.
      const healthyBy = Date.now() + 60_000;
      let healthy = false;
      while (!healthy && Date.now() < healthyBy) {
        await new Promise((r) => setTimeout(r, 250));
        healthy =
          /restarting simulated provider/.test(stack.output()) &&
          (await fetch(`${stack.provider}/health`).then(
            (r) => r.ok,
            () => false,
          ));
      }
      expect(stack.output()).toMatch(
        /simulated provider stopped \(exit [^)]+\); restarting it in 1 s \(restart 1 in a row\)\. Its last lines:\n {4}\S/,
      );
      expect(healthy).toBe(true);
      expect((await fetch(`${stack.mainApi}/health`)).status).toBeLessThan(500);
      expect(stack.output()).not.toContain('so everything was stopped');

      process.kill(stack.pid, 'SIGINT');
      const { code } = await stack.exit;
      expect(code).toBe(0);
      expect(await survivorsOfGroup(stack.pid)).toEqual([]);
      expect(await allFree(Object.values(stack.ports))).toBe(true);
    },
    START_TIMEOUT,
  );
});
