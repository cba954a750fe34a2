/**
 * The batch-v1 adapter against a tiny real HTTP gateway: checks gathered into batches of at most
 * `batchSize`, the gateway's words mapped onto ours, an unknown word an error keeping the raw
 * value, the rate limit counted in calls, and failures (5xx retried, timeout) as ProviderErrors.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchProvider, UnknownProviderValue } from './batch-provider.js';
import { ProviderError } from './provider.js';

type Handler = (body: { iccids: string[] }, req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let url: string;
let handler: Handler;
const calls: Array<{ iccids: string[]; key: string | undefined; path: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text || '{}') as { iccids: string[] };
      calls.push({ iccids: body.iccids, key: req.headers['x-api-key'] as string | undefined, path: req.url });
      handler(body, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gw`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  calls.length = 0;
});

const WORDS: Record<string, string> = { '1': 'ACTIVE', '2': 'IDLE', '3': 'SUSPENDED', '4': 'UNKNOWN_ICC', '5': 'Frozen' };

function gateway(body: { iccids: string[] }, _req: IncomingMessage, res: ServerResponse) {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      items: body.iccids.map((icc) => ({
        icc,
        state: WORDS[icc.at(-1)!],
        phone: '998901234567',
        activated: icc.endsWith('1') ? 1_764_500_000 : null,
      })),
    }),
  );
}

function provider(options: Partial<ConstructorParameters<typeof BatchProvider>[0]> = {}) {
  return new BatchProvider({
    url,
    token: 'gw-key',
    timeoutMs: 2000,
    connections: 2,
    rateLimitPerSecond: 0,
    batchSize: 3,
    backoffMs: 10,
    ...options,
  });
}

test('checks share calls of at most batchSize, and the gateway’s words become ours', async () => {
  handler = gateway;
  const p = provider();
  try {
    const answers = await Promise.all(['8001', '8002', '8003', '8004', '8011'].map((i) => p.check(i)));
    expect(answers.map((a) => a.status)).toEqual(['active', 'inactive', 'blocked', 'not_found', 'active']);
    expect(answers[0]).toMatchObject({ msisdn: '+998901234567', activatedAt: new Date(1_764_500_000_000).toISOString() });
    expect(answers[1]!.activatedAt).toBeNull();
    expect(calls.map((c) => c.iccids.length).sort()).toEqual([2, 3]);
    expect(calls.every((c) => c.key === 'gw-key' && c.path === '/gw/batch/status')).toBe(true);
  } finally {
    await p.close();
  }
});

test('an unknown word fails that SIM only, with the raw value kept', async () => {
  handler = gateway;
  const p = provider();
  try {
    const [good, odd] = await Promise.allSettled([p.check('8001'), p.check('8005')]);
    expect(good.status).toBe('fulfilled');
    expect(odd.status).toBe('rejected');
    const err = (odd as PromiseRejectedResult).reason as UnknownProviderValue;
    expect(err).toBeInstanceOf(UnknownProviderValue);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.failure).toBe('provider_bad_answer');
    expect(err.raw).toBe('Frozen');
    expect(err.message).toContain('"Frozen"');
  } finally {
    await p.close();
  }
});

test('a SIM left out of the answer fails as a bad answer; a 5xx is retried', async () => {
  let first = true;
  handler = (body, req, res) => {
    if (first) {
      first = false;
      res.statusCode = 503;
      res.end();
      return;
    }
    gateway({ iccids: body.iccids.filter((i) => i !== '8002') }, req, res);
  };
  const p = provider();
  try {
    const [a, b] = await Promise.allSettled([p.check('8001'), p.check('8002')]);
    expect(a).toMatchObject({ status: 'fulfilled', value: { status: 'active' } });
    expect((b as PromiseRejectedResult).reason).toMatchObject({ failure: 'provider_bad_answer' });
    expect(calls).toHaveLength(2);
  } finally {
    await p.close();
  }
});

test('a gateway that does not answer in time: provider_timeout for each SIM of the batch', async () => {
  handler = () => {
    /* never answers */
  };
  const p = provider({ timeoutMs: 150, retries: 0 });
  try {
    const results = await Promise.allSettled([p.check('8001'), p.check('8002')]);
    expect(results.map((r) => (r as PromiseRejectedResult).reason?.failure)).toEqual(['provider_timeout', 'provider_timeout']);
  } finally {
    await p.close();
  }
});

test('with a rate limit, 6 SIMs in batches of 3 are 2 calls (the limit counts calls, not SIMs)', async () => {
  handler = gateway;
  const p = provider({ rateLimitPerSecond: 5, batchSize: 3 });
  try {
    await Promise.all(['8001', '8002', '8003', '8011', '8012', '8013'].map((i) => p.check(i)));
    expect(calls).toHaveLength(2);
  } finally {
    await p.close();
  }
});

test('createProviders builds each operator’s adapter by kind, and the one for all without operators', async () => {
  const { parseProvidersConfig } = await import('@simcard/common');
  const { createProviders } = await import('./providers.js');
  const { HttpProvider } = await import('./http-provider.js');
  const defaults = { url, token: 't', timeoutMs: 1000, concurrency: 2, rateLimitPerSecond: 0 };
  const per = createProviders(
    parseProvidersConfig({ PROVIDER_BEELINE_URL: url, PROVIDER_UCELL_URL: url, PROVIDER_UCELL_KIND: 'batch-v1' }, defaults),
  );
  const single = createProviders(parseProvidersConfig({}, defaults));
  try {
    expect(per.get('beeline')).toBeInstanceOf(HttpProvider);
    expect(per.get('ucell')).toBeInstanceOf(BatchProvider);
    expect(per.has('*')).toBe(false);
    expect([...single.keys()]).toEqual(['*']);
    handler = gateway;
    await expect(per.get('ucell')!.check('8001')).resolves.toMatchObject({ status: 'active' });
  } finally {
    for (const p of [...per.values(), ...single.values()]) await p.close();
  }
});
