/**
 * The daily digest: at DIGEST_AT in the dealer's time zone (croner schedules it; no hand-made
 * timer loop), each shop with its own Telegram chat gets its sales today, SIMs on hand and the
 * age of its oldest unsold one; the admin chat (TELEGRAM_CHAT_ID) gets the dealer's totals,
 * the top and bottom shops, new anomalies and failed check runs.
 *
 * Once per chat and day, however many status API processes run and whenever they restart: each
 * message is preceded by a claim, an insert keyed (chat, day) that only one process can win
 * (digests.ts). A process that starts after DIGEST_AT on a day catches up with the same claims,
 * so a restart at 19:00 neither loses the digest nor sends it twice. A send that fails after its
 * retries is recorded on the claim and not repeated (at most once: a late duplicate digest is
 * worse than one missing, which the claim row shows).
 */
import { addDays, dealerDay, dealerDayBounds, dealerDaysBetween, type Logger } from '@simcard/common';
import { type Db, digestsRepository } from '@simcard/db';
import { Cron } from 'croner';
import { request } from 'undici';
import { adminDigest, type DigestLanguage, shopDigest } from './digest-message.js';

export interface DigestConfig {
  telegram: { botToken: string; chatId: string; apiUrl: string };
  /** HH:MM in `timeZone`. */
  at: string;
  timeZone: string;
  adminLanguage: DigestLanguage;
}

export interface DigestOptions {
  /** The time, for tests; default the system clock. */
  clock?: () => Date;
  timeoutMs?: number;
  /** Attempts per message (a short backoff between). */
  attempts?: number;
}

export interface DigestRunResult {
  day: string;
  sent: string[];
  failed: string[];
  /** Chats another process (or an earlier run) had already claimed today. */
  skipped: string[];
}

export class DailyDigest {
  #cron: Cron | null = null;
  #running: Promise<DigestRunResult> | null = null;
  readonly #clock: () => Date;
  readonly #timeoutMs: number;
  readonly #attempts: number;

  constructor(
    private readonly db: Db,
    private readonly config: DigestConfig,
    private readonly log: Logger,
    options: DigestOptions = {},
  ) {
    this.#clock = options.clock ?? (() => new Date());
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#attempts = options.attempts ?? 3;
  }

  /** The cron pattern of DIGEST_AT: minute hour, every day. */
  get pattern(): string {
    const [h, m] = this.config.at.split(':').map(Number);
    return `${m} ${h} * * *`;
  }

  /** When the schedule fires next after `from` (croner's own computation, in the dealer's zone). */
  nextRun(from: Date = this.#clock()): Date | null {
    return new Cron(this.pattern, { timezone: this.config.timeZone, paused: true }).nextRun(from);
  }

  /** Schedules the digest, and catches up when started after today's DIGEST_AT. */
  start(): void {
    this.#cron = new Cron(this.pattern, { timezone: this.config.timeZone, protect: true }, () => void this.run());
    if (this.#dueToday(this.#clock())) void this.run();
  }

  #dueToday(now: Date): boolean {
    const day = dealerDay(now, this.config.timeZone);
    const scheduled = new Cron(this.pattern, { timezone: this.config.timeZone, paused: true }).nextRun(
      new Date(dealerDayBounds(day, this.config.timeZone).from),
    );
    return scheduled !== null && scheduled.getTime() <= now.getTime();
  }

  /** One pass for today's digest (idempotent per chat and day); concurrent calls share the pass. */
  run(): Promise<DigestRunResult> {
    this.#running ??= this.#run(this.#clock())
      .catch((err: unknown) => {
        this.log.warn('daily digest failed', { error: (err as Error).message });
        return { day: '', sent: [], failed: [], skipped: [] };
      })
      .finally(() => (this.#running = null));
    return this.#running;
  }

  async close(): Promise<void> {
    this.#cron?.stop();
    await this.#running;
  }

  async #run(now: Date): Promise<DigestRunResult> {
    const tz = this.config.timeZone;
    const day = dealerDay(now, tz);
    const { from, to } = dealerDayBounds(day, tz);
    const [shops, extras] = await Promise.all([
      digestsRepository.shopFigures(this.db, from, to),
      digestsRepository.dealerExtras(this.db, from, to),
    ]);
    const result: DigestRunResult = { day, sent: [], failed: [], skipped: [] };

    const messages: { chat: string; kind: 'shop' | 'admin'; shopId: number | null; text: string }[] = [];
    for (const s of shops) {
      if (!s.telegram_chat_id) continue;
      const lang: DigestLanguage = s.telegram_language === 'ru' ? 'ru' : 'uz';
      const oldestDays = s.oldest_assigned_at === null ? null : dealerDaysBetween(s.oldest_assigned_at, now, tz);
      messages.push({ chat: s.telegram_chat_id, kind: 'shop', shopId: s.shop_id, text: shopDigest(lang, day, s, oldestDays) });
    }
    messages.push({
      chat: this.config.telegram.chatId,
      kind: 'admin',
      shopId: null,
      text: adminDigest(this.config.adminLanguage, {
        day,
        shops,
        soldFromStock: extras.soldFromStock,
        newAnomalies: extras.newAnomalies,
        failedRuns: extras.failedRuns,
      }),
    });

    for (const m of messages) {
      // The claim first: whoever inserts (chat, day) sends; everyone else skips.
      if (!(await digestsRepository.claim(this.db, m.chat, day, m.kind, m.shopId))) {
        result.skipped.push(m.chat);
        continue;
      }
      const error = await this.#send(m.chat, m.text);
      await digestsRepository.markSent(this.db, m.chat, day, error);
      (error === null ? result.sent : result.failed).push(m.chat);
      if (error !== null) this.log.warn('daily digest not delivered', { chat: m.chat, day, error });
    }
    return result;
  }

  /** Null when Telegram took it, else why not (the bot token never appears). */
  async #send(chatId: string, text: string): Promise<string | null> {
    const { botToken, apiUrl } = this.config.telegram;
    let reason = '';
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      try {
        const res = await request(`${apiUrl}/bot${botToken}/sendMessage`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'SimCard-Manager-Notifier/1' },
          body: JSON.stringify({ chat_id: chatId, text, disable_web_page_preview: true }),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
        const body = await res.body.text();
        if (res.statusCode === 200 && (JSON.parse(body) as { ok?: boolean }).ok === true) return null;
        reason = `Telegram answered ${res.statusCode}`;
      } catch (err) {
        reason = `cannot deliver (${(err as { code?: string }).code ?? (err as Error).message})`;
      }
      if (attempt < this.#attempts) await new Promise((r) => setTimeout(r, 200 * attempt));
    }
    return reason.split(botToken).join('<bot-token>');
  }
}

/** Tomorrow's dealer day, for tests that move the clock. */
export const nextDay = (day: string) => addDays(day, 1);
