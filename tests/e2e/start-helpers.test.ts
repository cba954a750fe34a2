/**
 * The start script's helpers and the bundle-size parser, each on its own: port probing, the
 * health wait (including a service that is up but reports a failing dependency), the tail of a
 * dead part's output, and which scripts index.html loads first.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import { initialScripts } from '../../bench/src/startup.js';
import { waitUntilHealthy } from '../../scripts/lib/health.js';
import { TailBuffer } from '../../scripts/lib/output.js';
import { freePort, isPortInUse } from '../../scripts/lib/ports.js';
import { RestartBackoff } from '../../scripts/lib/restarts.js';

/** A /health endpoint answering `code` and `body` until `set` changes them. */
function serve(code: number, body: string): Promise<{ url: string; server: HttpServer; set: (code: number, body: string) => void }> {
  const answer = { code, body };
  const server = createHttpServer((_req, res) => res.writeHead(answer.code, { 'content-type': 'application/json' }).end(answer.body));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}/health`, server, set: (code, body) => Object.assign(answer, { code, body }) });
    }),
  );
}

describe('port probing', () => {
  test('a port something listens on (here 127.0.0.1 only) is in use; a free one is not', async () => {
    const port = await freePort();
    expect(await isPortInUse(port)).toBe(false);
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', () => resolve()));
    try {
      expect(await isPortInUse(port)).toBe(true);
    } finally {
      squatter.close();
    }
  });
});

describe('waiting for health', () => {
  test('a service that answers 200 is healthy', async () => {
    const { url, server } = await serve(200, '{"status":"ok"}');
    try {
      await expect(waitUntilHealthy(url, new AbortController().signal)).resolves.toEqual({ healthy: true });
    } finally {
      server.close();
    }
  });

  test('a service that keeps answering 503 counts as running, with its failing checks named', async () => {
    const body = JSON.stringify({
      status: 'unavailable',
      failing: ['status_api'],
      checks: { status_api: { status: 'failing', error: 'not reachable (ECONNREFUSED)' } },
    });
    const { url, server } = await serve(503, body);
    try {
      const outcome = await waitUntilHealthy(url, new AbortController().signal, 300, 20);
      expect(outcome).toEqual({ healthy: false, problem: 'status_api failing (not reachable (ECONNREFUSED))' });
    } finally {
      server.close();
    }
  });

  test('a 503 that turns into 200 within the grace period is healthy', async () => {
    const { url, server, set } = await serve(503, '{}');
    try {
      const waiting = waitUntilHealthy(url, new AbortController().signal, 60_000, 20);
      setTimeout(() => set(200, '{}'), 200);
      await expect(waiting).resolves.toEqual({ healthy: true });
    } finally {
      server.close();
    }
  });

  test('nothing listening: the wait ends only when aborted', async () => {
    const stop = new AbortController();
    const waiting = waitUntilHealthy(`http://127.0.0.1:${await freePort()}/health`, stop.signal, 60_000, 20);
    setTimeout(() => stop.abort(), 200);
    await expect(waiting).rejects.toThrow();
  });
});

describe("a dead part's last lines", () => {
  test('keeps the last N lines, joining lines split across chunks, indented', () => {
    const tail = new TailBuffer(2);
    tail.push('one\ntw');
    tail.push('o\nthree\nfou');
    expect(tail.text()).toBe('    two\n    three\n    fou\n');
  });
});

describe('initial JavaScript of the build', () => {
  test('is the module script and the modulepreload links of index.html, not stylesheets or other sites', () => {
    const html = `<!doctype html><html><head>
      <script type="module" crossorigin src="/assets/index-abc.js"></script>
      <link rel="modulepreload" crossorigin href="/assets/react-def.js">
      <link rel="stylesheet" href="/assets/index-123.css">
      <script src="https://example.com/analytics.js"></script>
      </head><body></body></html>`;
    expect(initialScripts(html)).toEqual(['/assets/index-abc.js', '/assets/react-def.js']);
  });
});

describe('restarting a crashed part', () => {
  test('waits 1, 2, 4, … s (at most 30) for crashes in a row, starts afresh after a minute up, gives up after 10 in a row', () => {
    const backoff = new RestartBackoff();
    const delays = [];
    for (let i = 0; i < 7; i++) {
      const d = backoff.crashed(500);
      delays.push(d.restart ? d.delayMs : null);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(backoff.crashed(60_000)).toEqual({ restart: true, delayMs: 1000, attempt: 1 });
    for (let i = 0; i < 9; i++) expect(backoff.crashed(10).restart).toBe(true);
    expect(backoff.crashed(10)).toEqual({ restart: false, crashes: 10 });
  });
});
