/** Sale notifications: signed webhooks with retries, batched Telegram messages, the delivery log. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { saleMessage } from '../src/notifications/telegram.js';
import { signatureHeader, verifySignature } from '../src/notifications/webhook-signature.js';
import { Testbed } from './support/testbed.js';

const WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789';
const BOT_TOKEN = '123456:TEST-bot-token_abcdefghij';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver whose answers a test chooses. */
class Receiver {
  readonly received: Received[] = [];
  answer: (r: Received) => { status: number; body?: unknown } = () => ({ status: 200, body: { ok: true } });
  private constructor(readonly server: Server) {}

  static async start(): Promise<Receiver> {
    const receiver: Receiver = new Receiver(
      createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const r = { path: req.url ?? '', headers: req.headers, body };
          receiver.received.push(r);
          const { status, body: answer } = receiver.answer(r);
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer ?? {}));
        });
      }),
    );
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

let bed: Testbed;
let webhook: Receiver;
let telegram: Receiver;
let shop: any;

beforeAll(async () => {
  webhook = await Receiver.start();
  telegram = await Receiver.start();
  bed = await Testbed.start(
    {
      WEBHOOK_URLS: `${webhook.url}/hooks/sales?key=receiver-secret`,
      WEBHOOK_SECRET,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_CHAT_ID: '-100123456',
      TELEGRAM_API_URL: telegram.url,
    },
    { notifications: { intervalMs: 100, retryBaseMs: 100, maxAttempts: 3, batchDelayMs: 300, timeoutMs: 2000 } },
  );
  shop = await bed.createShop();
});
afterEach(() => {
  webhook.answer = () => ({ status: 200 });
  telegram.answer = () => ({ status: 200, body: { ok: true } });
});
afterAll(async () => {
  await bed.close();
  await webhook.close();
  await telegram.close();
});

let phone = 901000000;
async function sell(count: number): Promise<any[]> {
  const sims = [];
  for (let i = 0; i < count; i++) sims.push(await bed.createSim({ shop_id: shop.id, msisdn: `998${++phone}`, operator: 'beeline' }));
  for (const sim of sims) await bed.setSim(sim.iccid, { status: 'active' });
  const res = await bed.call('POST', `${bed.statusUrl}/simcards/status`, { iccids: sims.map((s) => s.iccid) });
  expect(res.body.changed).toBe(count);
  return sims;
}

const webhookFor = (iccid: string) => webhook.received.filter((r) => JSON.parse(r.body).data.simcard.iccid === iccid);
const deliveries = async (query = '') => (await bed.call('GET', `${bed.main.url}/notifications/deliveries${query}`)).body;

describe('webhooks', () => {
  test('each sale is POSTed to every webhook, signed so that the receiver can verify it', async () => {
    const [sim] = await sell(1);
    const [delivery] = await until(() => (webhookFor(sim.iccid).length ? webhookFor(sim.iccid) : undefined));
    expect(delivery!.path).toBe('/hooks/sales?key=receiver-secret');
    expect(delivery!.headers['x-simcard-event']).toBe('simcard.sold');
    const signature = String(delivery!.headers['x-simcard-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(WEBHOOK_SECRET, delivery!.body, signature)).toBe(true);
    // A changed body, another key, or an old timestamp does not verify.
    expect(verifySignature(WEBHOOK_SECRET, delivery!.body.replace('sold', 'SOLD'), signature)).toBe(false);
    expect(verifySignature('another-secret-0123456789', delivery!.body, signature)).toBe(false);
    const old = signatureHeader(WEBHOOK_SECRET, delivery!.body, Math.floor(Date.now() / 1000) - 3600);
    expect(verifySignature(WEBHOOK_SECRET, delivery!.body, old)).toBe(false);

    const payload = JSON.parse(delivery!.body);
    expect(payload).toMatchObject({
      event: 'simcard.sold',
      id: expect.any(String),
      data: { simcard: { id: sim.id, iccid: sim.iccid, shop_id: shop.id, status: 'sold' } },
    });
  });

  test('a failing receiver is retried with backoff until it accepts; the log shows the attempts', async () => {
    let calls = 0;
    webhook.answer = () => (++calls <= 2 ? { status: 503 } : { status: 200 });
    const [sim] = await sell(1);
    const log = await until(async () => {
      const row = (await deliveries('?channel=webhook')).data.find((d: any) => d.simcard_id === sim.id);
      return row?.status === 'delivered' ? row : undefined;
    });
    expect(log).toMatchObject({ attempts: 3, response_status: 200, last_error: null, target: `${webhook.url}/…` });
    // The same delivery, byte for byte, each time: a receiver can dedupe by its id.
    const bodies = webhookFor(sim.iccid).map((r) => r.body);
    expect(bodies).toHaveLength(3);
    expect(new Set(bodies).size).toBe(1);
  });

  test('a receiver that never accepts is given up on after the last attempt, and the log says why', async () => {
    webhook.answer = () => ({ status: 500 });
    const [sim] = await sell(1);
    const log = await until(async () => {
      const row = (await deliveries('?status=failed')).data.find((d: any) => d.simcard_id === sim.id);
      return row ?? undefined;
    });
    expect(log).toMatchObject({
      channel: 'webhook',
      attempts: 3,
      response_status: 500,
      last_error: 'receiver answered 500',
      next_attempt_at: null,
    });
  });
});

describe('Telegram', () => {
  test('sales that arrive together go out as one message per batch, each SIM once', async () => {
    const before = telegram.received.length;
    const sims = await sell(5);
    await until(() => {
      const text = telegram.received
        .slice(before)
        .map((r) => JSON.parse(r.body).text)
        .join('\n');
      return sims.every((s) => text.includes(s.iccid)) || undefined;
    });
    const messages = telegram.received.slice(before);
    expect(messages.length).toBeLessThan(5);
    expect(messages[0]!.path).toBe(`/bot${BOT_TOKEN}/sendMessage`);
    const first = JSON.parse(messages[0]!.body);
    expect(first.chat_id).toBe('-100123456');
    const lines = messages.flatMap((m) =>
      JSON.parse(m.body)
        .text.split('\n')
        .filter((l: string) => l.startsWith('•')),
    );
    expect(lines).toHaveLength(5);
  });

  test('a refusal is logged in words, and the bot token is never in the delivery log', async () => {
    telegram.answer = () => ({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    const [sim] = await sell(1);
    const row = await until(async () =>
      (await deliveries('?channel=telegram')).data.find((d: any) => d.simcard_id === sim.id && d.attempts > 0),
    );
    expect(row.last_error).toBe('Telegram answered 401: Unauthorized');
    const everything = JSON.stringify(await deliveries('?limit=500'));
    expect(everything).not.toContain(BOT_TOKEN);
    expect(everything).not.toContain('receiver-secret');
  });

  test('the message names the SIM, its number, operator and shop', () => {
    expect(saleMessage([{ iccid: '8999801000000000017', msisdn: '998901234567', operator: 'beeline', shop: 'Chilonzor' }])).toBe(
      '🟢 Yangi sotuv / Новая продажа\n• 8999801000000000017 · +998901234567 · beeline · Chilonzor',
    );
  });
});

describe('the delivery log', () => {
  test('is for admins only', async () => {
    const staff = await bed.staffToken(shop.id);
    expect((await bed.call('GET', `${bed.main.url}/notifications/deliveries`, undefined, staff)).status).toBe(403);
    expect((await bed.call('GET', `${bed.main.url}/notifications/deliveries`, undefined, null)).status).toBe(401);
    expect((await bed.call('GET', `${bed.main.url}/notifications/deliveries?status=lost`)).status).toBe(400);
  });
});
