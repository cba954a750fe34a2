/**
 * Sends what the outbox holds: webhooks (signed, one POST per delivery) and Telegram (due sales
 * batched into one message, alerts as their own paragraphs of it). Failures are retried with jittered exponential backoff (honouring
 * Retry-After); after `maxAttempts` a delivery is `failed`. Every attempt's outcome is recorded
 * on its row, which is the delivery log admins read.
 */
import type { Logger, NotificationsConfig } from '@simcard/common';
import { type Db, type DeliveryRow, notificationDeliveriesRepository as outbox } from '@simcard/db';
import { Agent, request } from 'undici';
import type { TelegramAlert } from './alerts.js';
import type { TelegramSale } from './sale-outbox.js';
import { MAX_SALES_PER_MESSAGE, saleMessage } from './telegram.js';
import { SIGNATURE_HEADER, signatureHeader } from './webhook-signature.js';

export interface DispatcherOptions {
  /** How often the outbox is looked at when nothing kicks it. */
  intervalMs?: number;
  /** First retry delay; each next one doubles. */
  retryBaseMs?: number;
  maxAttempts?: number;
  /** Per request, headers and body. */
  timeoutMs?: number;
  /** After a sale, how long to wait for more before sending: sales arriving together go in one Telegram message. */
  batchDelayMs?: number;
}

const WEBHOOK_BATCH = 50;
const MAX_RETRY_MS = 60 * 60 * 1000;

class SendFailure extends Error {
  constructor(
    message: string,
    readonly responseStatus: number | null = null,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

export class NotificationDispatcher {
  readonly #agent = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
  readonly #intervalMs: number;
  readonly #retryBaseMs: number;
  readonly #maxAttempts: number;
  readonly #timeoutMs: number;
  readonly #batchDelayMs: number;
  #timer: NodeJS.Timeout | null = null;
  #kickTimer: NodeJS.Timeout | null = null;
  #pass: Promise<void> | null = null;
  #again = false;
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly config: NotificationsConfig,
    private readonly log: Logger,
    options: DispatcherOptions = {},
  ) {
    this.#intervalMs = options.intervalMs ?? 2000;
    this.#retryBaseMs = options.retryBaseMs ?? 5000;
    this.#maxAttempts = options.maxAttempts ?? 8;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#batchDelayMs = options.batchDelayMs ?? 1000;
  }

  get #enabled(): boolean {
    return this.config.webhookUrls.length > 0 || this.config.telegram !== null;
  }

  start(): void {
    if (!this.#enabled) return;
    this.#timer = setInterval(() => this.#run(), this.#intervalMs);
    this.#timer.unref();
    this.#run();
  }

  /** A sale was just recorded: send it soon, with whatever else arrives meanwhile. */
  kick(): void {
    if (this.#closed || !this.#enabled || this.#kickTimer) return;
    this.#kickTimer = setTimeout(() => {
      this.#kickTimer = null;
      this.#run();
    }, this.#batchDelayMs);
  }

  #run(): void {
    if (this.#closed) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    this.#pass = this.#sendDue()
      .catch((err: unknown) => this.log.warn('notification pass failed', { error: (err as Error).message }))
      .finally(() => {
        this.#pass = null;
        if (this.#again) {
          this.#again = false;
          this.#run();
        }
      });
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#kickTimer) clearTimeout(this.#kickTimer);
    await this.#pass;
    await this.#agent.close();
  }

  async #sendDue(): Promise<void> {
    const lease = new Date(Date.now() + this.#timeoutMs * 3).toISOString();
    for (;;) {
      const webhooks = await outbox.claimDue(this.db, 'webhook', WEBHOOK_BATCH, lease);
      await Promise.all(webhooks.map((d) => this.#attempt([d], () => this.#postWebhook(d))));
      const telegram = this.config.telegram ? await outbox.claimDue(this.db, 'telegram', MAX_SALES_PER_MESSAGE, lease) : [];
      if (telegram.length > 0) await this.#attempt(telegram, () => this.#sendTelegram(telegram));
      if (webhooks.length < WEBHOOK_BATCH && telegram.length < MAX_SALES_PER_MESSAGE) return;
    }
  }

  async #attempt(deliveries: DeliveryRow[], send: () => Promise<number>): Promise<void> {
    const ids = deliveries.map((d) => d.id);
    try {
      await outbox.markDelivered(this.db, ids, await send());
    } catch (err) {
      const failure =
        err instanceof SendFailure ? err : new SendFailure(`cannot deliver (${(err as { code?: string }).code ?? (err as Error).message})`);
      const message = this.#redact(failure.message);
      const attempts = Math.max(...deliveries.map((d) => d.attempts)) + 1;
      const backoff = this.#retryBaseMs * 2 ** (attempts - 1) * (0.5 + Math.random());
      const retryAt =
        attempts >= this.#maxAttempts ? null : new Date(Date.now() + Math.min(failure.retryAfterMs ?? backoff, MAX_RETRY_MS)).toISOString();
      await outbox.markAttemptFailed(this.db, ids, message, failure.responseStatus, retryAt);
      this.log.warn(retryAt ? 'notification failed; will retry' : 'notification failed for good', {
        channel: deliveries[0]!.channel,
        ids,
        attempts,
        error: message,
      });
    }
  }

  async #postWebhook(delivery: DeliveryRow): Promise<number> {
    const res = await this.#request(delivery.target, delivery.payload, {
      [SIGNATURE_HEADER]: signatureHeader(this.config.webhookSecret!, delivery.payload),
      'x-simcard-event': delivery.event,
      'x-simcard-delivery': String(delivery.id),
    });
    if (res.status < 200 || res.status >= 300) throw new SendFailure(`receiver answered ${res.status}`, res.status, res.retryAfterMs);
    return res.status;
  }

  async #sendTelegram(deliveries: DeliveryRow[]): Promise<number> {
    const telegram = this.config.telegram!;
    const payloads = deliveries.map((d) => JSON.parse(d.payload) as TelegramSale | TelegramAlert);
    const alerts = payloads.filter((p): p is TelegramAlert => 'alert' in p).map((p) => p.text);
    const sales = payloads.filter((p): p is TelegramSale => !('alert' in p));
    const text = [...alerts, ...(sales.length > 0 ? [saleMessage(sales)] : [])].join('\n\n');
    const body = JSON.stringify({ chat_id: telegram.chatId, text, disable_web_page_preview: true });
    const res = await this.#request(`${telegram.apiUrl}/bot${telegram.botToken}/sendMessage`, body, {});
    let answer: { ok?: boolean; description?: string; parameters?: { retry_after?: number } } = {};
    try {
      answer = JSON.parse(res.body);
    } catch {
      // a proxy's HTML error page: judged by the status alone
    }
    if (res.status !== 200 || answer.ok !== true) {
      const retryAfter = answer.parameters?.retry_after;
      const reason = answer.description ? `: ${answer.description.slice(0, 200)}` : '';
      throw new SendFailure(`Telegram answered ${res.status}${reason}`, res.status, retryAfter ? retryAfter * 1000 : res.retryAfterMs);
    }
    return res.status;
  }

  async #request(
    url: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: string; retryAfterMs: number | null }> {
    const res = await request(url, {
      method: 'POST',
      dispatcher: this.#agent,
      headers: { 'content-type': 'application/json', 'user-agent': 'SimCard-Manager-Notifier/1', ...headers },
      body,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    // Only the start of an answer matters (a status or an error description).
    let text = '';
    for await (const chunk of res.body) {
      if (text.length < 4096) text += chunk.toString();
    }
    const retryAfter = Number(res.headers['retry-after']);
    return { status: res.statusCode, body: text, retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null };
  }

  /** The bot token is part of Telegram's URL: it must never reach a log or the delivery log. */
  #redact(message: string): string {
    const token = this.config.telegram?.botToken;
    return (token ? message.split(token).join('<bot-token>') : message).slice(0, 500);
  }
}
