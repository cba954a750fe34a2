/**
 * The daily digest with a controlled clock and a real HTTP Telegram stub: one message per chat
 * and day across two "processes" (two connections, two DailyDigest instances) running at once,
 * a restart at 19:00 that catches up without resending, the next day's digest, the languages.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dealerDay, dealerDayBounds, silentLogger } from '@simcard/common';
import { createDatabase, type Db, digestsRepository, migrateToLatest } from '@simcard/db';
import { createTestDatabase, type TestDatabase } from '@simcard/db/testing';
import { DailyDigest, nextDay } from '../src/notifications/digest.js';

const TZ = 'Asia/Tashkent';
const BOT = '123456:TEST-bot-token_abcdefghij';
const HOUR = 3600_000;

interface Sent {
  path: string;
  chat_id: string;
  text: string;
}

let telegram: Server;
let telegramUrl: string;
const sent: Sent[] = [];
let failChat: string | null = null;

let database: TestDatabase;
let db1: Db;
let db2: Db;
let today: string;
let at1900: Date;

const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  telegram = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { chat_id: string; text: string };
      if (parsed.chat_id === failChat) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, description: 'boom' }));
        return;
      }
      sent.push({ path: req.url ?? '', chat_id: parsed.chat_id, text: parsed.text });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((resolve) => telegram.listen(0, '127.0.0.1', resolve));
  telegramUrl = `http://127.0.0.1:${(telegram.address() as AddressInfo).port}`;

  database = await createTestDatabase();
  db1 = createDatabase(database.config);
  await migrateToLatest(db1);
  db2 = createDatabase(database.config);

  today = dealerDay(new Date(), TZ);
  const { from } = dealerDayBounds(today, TZ);
  at1900 = new Date(Date.parse(from) + 19 * HOUR);
  const now = new Date().toISOString();
  const shop = async (code: string, chat: string | null, lang: string | null) =>
    (
      await db1('shops')
        .insert({
          name: `Shop ${code}`,
          code,
          is_active: true,
          telegram_chat_id: chat,
          telegram_language: lang,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
    )[0];
  const id = (row: unknown) => (typeof row === 'object' ? (row as { id: number }).id : (row as number));
  const a = id(await shop('ALPHA', '-1001', 'ru'));
  const b = id(await shop('BETA', '-1002', 'uz'));
  const c = id(await shop('GAMMA', null, null));
  let n = 0;
  const sim = (fields: object) =>
    db1('simcards').insert({
      iccid: `899980100000${String(++n).padStart(7, '0')}`,
      status: 'assigned',
      created_at: now,
      updated_at: now,
      ...fields,
    });
  // Alpha: two sales today, two on hand (the oldest 10 days there).
  await sim({ shop_id: a, assigned_at: iso(Date.parse(from) - 10 * 24 * HOUR) });
  await sim({ shop_id: a, assigned_at: iso(Date.parse(from) - 2 * 24 * HOUR) });
  await sim({ shop_id: a, assigned_at: iso(Date.parse(from) - 3 * 24 * HOUR), status: 'sold', sold_at: iso(Date.parse(from) + 9 * HOUR) });
  await sim({ shop_id: a, assigned_at: iso(Date.parse(from) - 3 * 24 * HOUR), status: 'sold', sold_at: iso(Date.parse(from) + 11 * HOUR) });
  // Beta: nothing sold, one on hand. Gamma (no chat of its own): one sale today.
  await sim({ shop_id: b, assigned_at: iso(Date.parse(from) - 1 * 24 * HOUR) });
  await sim({ shop_id: c, assigned_at: iso(Date.parse(from) - 1 * 24 * HOUR), status: 'sold', sold_at: iso(Date.parse(from) + 12 * HOUR) });
});

afterAll(async () => {
  await db1?.destroy();
  await db2?.destroy();
  await database?.drop();
  await new Promise<void>((resolve) => telegram.close(() => resolve()));
});

const digest = (db: Db, clock: () => Date) =>
  new DailyDigest(
    db,
    { telegram: { botToken: BOT, chatId: '-100999', apiUrl: telegramUrl }, at: '19:00', timeZone: TZ, adminLanguage: 'ru' },
    silentLogger,
    { clock, attempts: 2 },
  );

test("croner schedules DIGEST_AT in the dealer's time zone: 19:00 in Tashkent is 14:00 UTC", () => {
  const d = digest(db1, () => at1900);
  expect(d.nextRun(new Date(at1900.getTime() - 60_000))?.toISOString()).toBe(at1900.toISOString());
  expect(at1900.getUTCHours()).toBe(14);
});

test('two processes at 19:00: each chat gets one digest, in its language, with its figures', async () => {
  const clock = () => at1900;
  const [r1, r2] = await Promise.all([digest(db1, clock).run(), digest(db2, clock).run()]);
  expect([...r1.sent, ...r2.sent].sort()).toEqual(['-1001', '-1002', '-100999']);
  expect([...r1.skipped, ...r2.skipped].sort()).toEqual(['-1001', '-1002', '-100999']);
  expect(sent.map((s) => s.chat_id).sort()).toEqual(['-1001', '-1002', '-100999']);
  expect(sent.every((s) => s.path === `/bot${BOT}/sendMessage`)).toBe(true);

  const alpha = sent.find((s) => s.chat_id === '-1001')!.text;
  expect(alpha).toContain('Продано сегодня: 2');
  expect(alpha).toContain('В магазине (не продано): 2');
  expect(alpha).toContain('10 дн.');
  const beta = sent.find((s) => s.chat_id === '-1002')!.text;
  expect(beta).toContain('Bugun sotildi: 0');
  expect(beta).toContain('Doʻkonda (sotilmagan): 1');
  const admin = sent.find((s) => s.chat_id === '-100999')!.text;
  expect(admin).toContain('Всего продано сегодня: 3');
  expect(admin).toMatch(/Лучшие магазины:\n• Shop ALPHA \(ALPHA\): 2/);
  expect(admin).toContain('Shop BETA (BETA): 1');
  expect((await digestsRepository.claims(db1, today)).every((c) => c.sent_at !== null)).toBe(true);
});

test('a restart at 19:00 catches up once; one started before 19:00 waits for the schedule', async () => {
  // Two days on, so that nothing was sent for that day yet.
  const later = at1900.getTime() + 2 * 24 * HOUR;
  sent.length = 0;
  const restarted = digest(db2, () => new Date(later + 30_000));
  restarted.start();
  await restarted.close();
  expect(sent.map((s) => s.chat_id).sort()).toEqual(['-1001', '-1002', '-100999']);
  const again = digest(db1, () => new Date(later + 90_000));
  again.start();
  await again.close();
  expect(sent).toHaveLength(3);

  const early = digest(db1, () => new Date(later + 24 * HOUR - 60_000));
  early.start();
  await early.close();
  expect(sent).toHaveLength(3);
  expect(await digestsRepository.claims(db1, dealerDay(new Date(later + 24 * HOUR), TZ))).toEqual([]);
});

test('the next day is sent again; a chat Telegram refuses is recorded and not retried that day', async () => {
  const tomorrow = new Date(at1900.getTime() + 24 * HOUR);
  failChat = '-1002';
  sent.length = 0;
  const r = await digest(db1, () => tomorrow).run();
  expect(r.day).toBe(nextDay(today));
  expect(r.sent.sort()).toEqual(['-1001', '-100999']);
  expect(r.failed).toEqual(['-1002']);
  const claim = (await digestsRepository.claims(db1, nextDay(today))).find((c) => c.chat_id === '-1002')!;
  expect(claim.sent_at).toBeNull();
  expect(claim.error).toContain('Telegram answered 500');
  expect(claim.error).not.toContain(BOT);
  failChat = null;
  const again = await digest(db2, () => tomorrow).run();
  expect(again.sent).toEqual([]);
  expect(sent.map((s) => s.chat_id).sort()).toEqual(['-1001', '-100999']);
});
