/**
 * The json-v1 adapter's edges against a tiny real HTTP server: what each kind of bad answer
 * becomes (the adapter reads answers through undici's raw dispatch, not a body stream, so each
 * edge is its own code path): an answer over the size cap, a body cut off, a deadline passed
 * before the headers and while the body comes, an operator that cannot be reached, a 429
 * retried.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpProvider } from './http-provider.js';
import { ProviderError } from './provider.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let url: string;
let handler: Handler;
let calls: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    calls.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/op`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  calls = [];
});

const ICCID = '8999800000000000001';

function provider(options: { timeoutMs?: number; retries?: number; url?: string } = {}): HttpProvider {
  return new HttpProvider({
    url: options.url ?? url,
    token: 't',
    timeoutMs: options.timeoutMs ?? 2000,
    connections: 2,
    rateLimitPerSecond: 0,
    retries: options.retries ?? 0,
    backoffMs: 10,
  });
}

async function failure(p: HttpProvider): Promise<ProviderError> {
  try {
    await p.check(ICCID);
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  } finally {
    await p.close();
  }
  throw new Error('the check did not fail');
}

test('a good answer is read whole, even in several chunks', async () => {
  handler = (req, res) => {
    expect(req.url).toBe(`/op/simcards/${ICCID}`);
    expect(req.headers.authorization).toBe('Bearer t');
    res.setHeader('content-type', 'application/json');
    const body = JSON.stringify({ iccid: ICCID, status: 'active', msisdn: '998901234567', activated_at: '2026-12-01T10:00:00Z' });
    res.write(body.slice(0, 10));
    setTimeout(() => res.end(body.slice(10)), 20);
  };
  const p = provider();
  const answer = await p.check(ICCID);
  await p.close();
  expect(answer).toMatchObject({ status: 'active', msisdn: '998901234567', activatedAt: '2026-12-01T10:00:00Z' });
});

test('an answer over 64 KB is provider_bad_answer, not read to its end', async () => {
  handler = (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ iccid: ICCID, status: 'active', pad: 'x'.repeat(100 * 1024) }));
  };
  const err = await failure(provider());
  expect(err.failure).toBe('provider_bad_answer');
  expect(err.message).toMatch(/larger than 65536 bytes/);
});

test('no headers within the deadline is provider_timeout "No answer"', async () => {
  handler = () => {}; // never answers
  const err = await failure(provider({ timeoutMs: 150 }));
  expect(err.failure).toBe('provider_timeout');
  expect(err.message).toBe('No answer within 150 ms');
});

test('a body still coming at the deadline is provider_timeout "No complete answer"', async () => {
  handler = (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.write('{"iccid":'); // and nothing more
  };
  const err = await failure(provider({ timeoutMs: 150 }));
  expect(err.failure).toBe('provider_timeout');
  expect(err.message).toBe('No complete answer within 150 ms');
});

test('a body cut off by the operator is provider_bad_answer', async () => {
  handler = (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', '500');
    res.write('{"iccid":');
    setTimeout(() => res.destroy(), 20);
  };
  const err = await failure(provider());
  expect(err.failure).toBe('provider_bad_answer');
});

test('an operator that cannot be reached is provider_unavailable with the error code', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const err = await failure(provider({ url: `http://127.0.0.1:${port}/op` }));
  expect(err.failure).toBe('provider_unavailable');
  expect(err.message).toMatch(/Cannot reach the operator \(ECONNREFUSED\)/);
});

test("a 429 is retried (after its Retry-After), and the retry's answer is the check's", async () => {
  handler = (_req, res) => {
    if (calls.length === 1) {
      res.statusCode = 429;
      res.setHeader('Retry-After', '0.3');
      res.end('slow down');
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ iccid: ICCID, status: 'inactive' }));
  };
  const p = provider({ retries: 1 });
  const answer = await p.check(ICCID);
  await p.close();
  expect(answer.status).toBe('inactive');
  expect(calls).toHaveLength(2);
});

test('a 404 is not_found, a 400 provider_error (not retried)', async () => {
  handler = (_req, res) => {
    res.statusCode = calls.length === 1 ? 404 : 400;
    res.end();
  };
  const p = provider({ retries: 2 });
  expect((await p.check(ICCID)).status).toBe('not_found');
  const err = await failure(p);
  expect(err.failure).toBe('provider_error');
  expect(err.message).toBe('Operator answered 400');
  expect(calls).toHaveLength(2);
});
