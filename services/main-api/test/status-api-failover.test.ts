/**
 * STATUS_API_URL as a list of status API workers (issue 18): the main API goes on to the next
 * worker when one is down, but never sends a POST that may have reached one to another. First
 * against plain HTTP servers that count what they receive and misbehave on purpose, then with
 * two real status APIs of which one is stopped.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { HttpError, ServiceUnavailableError, TokenService } from '@simcard/common';
import { StatusApiClient } from '../src/services/status-api-client.js';
import { JWT_SECRET, TestApi } from './support/harness.js';
import { freePort, startTestStatusApi, type TestStatusApi } from './support/status-api.js';

type Behaviour = 'ok' | 'reset' | 'bad-gateway' | 'conflict';

/** A stand-in worker: counts requests and answers as told. */
class FakeWorker {
  received: string[] = [];
  behaviour: Behaviour = 'ok';
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => this.#answer(req, res));
    });
  }

  static async start(): Promise<FakeWorker> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new FakeWorker(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  #answer(req: IncomingMessage, res: ServerResponse): void {
    this.received.push(`${req.method} ${req.url}`);
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    switch (this.behaviour) {
      case 'ok':
        return json(200, { served_by: this.url });
      case 'reset':
        // Received, then the connection torn down without an answer (a worker killed mid-request).
        return void res.socket?.destroy();
      case 'bad-gateway':
        // A proxy's (or a stopping worker's) answer, not the status API's own error body.
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
        return;
      case 'conflict':
        return json(409, { error: { code: 'conflict', message: 'A run is already running' } });
    }
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

describe('the client over a list of workers', () => {
  const tokens = new TokenService(JWT_SECRET, 900);
  let a: FakeWorker;
  let b: FakeWorker;
  const clients: StatusApiClient[] = [];
  const client = (...urls: string[]) => {
    const c = new StatusApiClient(urls.join(','), tokens, 5000);
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    a = await FakeWorker.start();
    b = await FakeWorker.start();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    await a.close();
    await b.close();
  });

  test('a GET and a POST go to the next worker when one refuses connections', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const c = client(down, b.url);
    for (let i = 0; i < 4; i++) {
      expect(await c.call('GET', '/check-runs')).toEqual({ served_by: b.url });
      expect(await c.call('POST', '/check-runs', {})).toEqual({ served_by: b.url });
    }
    expect(b.received).toHaveLength(8);
  });

  test('calls take turns over the workers that answer', async () => {
    const c = client(a.url, b.url);
    for (let i = 0; i < 6; i++) await c.call('GET', '/check-runs');
    expect(a.received).toHaveLength(3);
    expect(b.received).toHaveLength(3);
  });

  test('a GET whose worker broke the connection, or answered a bare 502, is asked of the next', async () => {
    const c = client(a.url, b.url);
    a.behaviour = 'reset';
    expect(await c.call('GET', '/check-runs/1')).toEqual({ served_by: b.url });
    a.behaviour = 'bad-gateway';
    const c2 = client(a.url, b.url);
    expect(await c2.call('GET', '/check-runs/1')).toEqual({ served_by: b.url });
    expect(a.received).toEqual(['GET /check-runs/1', 'GET /check-runs/1']);
  });

  test('a POST that reached a worker is never sent to another: 503, the next worker never asked', async () => {
    for (const behaviour of ['reset', 'bad-gateway'] as const) {
      a.behaviour = behaviour;
      a.received = [];
      const c = client(a.url, b.url);
      const err = await c.call('POST', '/check-runs', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceUnavailableError);
      expect((err as ServiceUnavailableError).code).toBe('status_api_unavailable');
      expect(a.received).toEqual(['POST /check-runs']);
    }
    expect(b.received).toEqual([]);
  });

  test("the status API's own error answer passes through; no other worker is asked", async () => {
    a.behaviour = 'conflict';
    const c = client(a.url, b.url);
    const err = await c.call('POST', '/check-runs', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(409);
    expect(b.received).toEqual([]);
  });

  test('every worker down: 503 status_api_unavailable', async () => {
    const c = client(`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`);
    await expect(c.call('GET', '/check-runs')).rejects.toMatchObject({ status: 503, code: 'status_api_unavailable' });
  });
});

describe('the main API with two real status API workers, one stopped', () => {
  let first: TestStatusApi;
  let second: TestStatusApi;
  let api: TestApi;
  beforeAll(async () => {
    first = await startTestStatusApi();
    second = await startTestStatusApi();
    api = await TestApi.start({ STATUS_API_URL: `${first.url}, ${second.url}/` });
    await first.close();
  }, 60_000);
  afterAll(async () => {
    await api.close();
    await second.close();
  });

  test('runs are started and listed through the worker still up', async () => {
    for (let i = 0; i < 3; i++) expect((await api.get('/check-runs')).status).toBe(200);
    const started = await api.post('/simcards/auto-check', {});
    expect(started.status).toBe(202);
    const run = (await api.get(`/check-runs/${started.body.id}`)).body;
    expect(run.id).toBe(started.body.id);
  });

  test('/health is ok while one worker answers, and names each one', async () => {
    const res = await api.get('/health', { token: null });
    expect(res.body.checks.status_api).toMatchObject({
      status: 'ok',
      instances: { [first.url]: expect.stringMatching(/not reachable/), [second.url]: 'ok' },
    });
  });
});
