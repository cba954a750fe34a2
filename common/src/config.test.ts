import { ConfigError, DEFAULT_SQLITE_FILE, loadConfig, parseDatabaseUrl } from './config.js';

describe('configuration', () => {
  test('nothing is required for a local start', () => {
    const config = loadConfig({});
    expect(config.mainApi.port).toBe(9022);
    expect(config.database).toEqual({ client: 'sqlite', filename: DEFAULT_SQLITE_FILE });
    expect(DEFAULT_SQLITE_FILE).toMatch(/db\/simcard_db\.sqlite$/);
    expect(config.auth.jwtSecret).toBeNull();
    expect(config.auth.scryptLog2N).toBe(17);
  });

  test('a bad value stops start-up with one line naming it', () => {
    expect(() => loadConfig({ MAIN_API_PORT: 'abc' })).toThrow(ConfigError);
    expect(() => loadConfig({ MAIN_API_PORT: '70000' })).toThrow(/^MAIN_API_PORT: .*70000/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/^DATABASE_URL:/);
    expect(() => loadConfig({ NODE_ENV: 'staging' })).toThrow(/^NODE_ENV:/);
  });

  test('a JWT_SECRET under 32 bytes is refused', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/^JWT_SECRET: must be at least 32 bytes/);
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).auth.jwtSecret).toBe('x'.repeat(32));
  });

  test('STATUS_API_URL takes one status API or a comma-separated list of workers', () => {
    expect(loadConfig({}).statusApi.url).toBe('http://127.0.0.1:9020');
    expect(loadConfig({ STATUS_API_URL: 'http://10.0.0.5:9020/' }).statusApi.url).toBe('http://10.0.0.5:9020');
    expect(loadConfig({ STATUS_API_URL: ' http://a:9020/, http://b:9020 ,' }).statusApi.url).toBe('http://a:9020,http://b:9020');
    expect(() => loadConfig({ STATUS_API_URL: 'http://a:9020,ftp://b' })).toThrow(/^STATUS_API_URL: /);
    expect(() => loadConfig({ STATUS_API_URL: ' , ' })).toThrow(/^STATUS_API_URL: must name at least one/);
  });

  test('production requires JWT_SECRET', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/^JWT_SECRET: required/);
  });

  test('the error never echoes a secret', () => {
    try {
      loadConfig({ JWT_SECRET: 'short-secret' });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret');
    }
    expect.assertions(1);
  });

  test('webhooks need their signing secret; Telegram needs both token and chat', () => {
    expect(() => loadConfig({ WEBHOOK_URLS: 'https://example.com/hook' })).toThrow(/^WEBHOOK_SECRET: required/);
    expect(() => loadConfig({ WEBHOOK_URLS: 'ftp://example.com/hook', WEBHOOK_SECRET: 'x'.repeat(16) })).toThrow(/^WEBHOOK_URLS: /);
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '123456:abcdefghijklmnop' })).toThrow(/TELEGRAM_CHAT_ID/);
    const config = loadConfig({
      WEBHOOK_URLS: 'https://a.example/hook, https://b.example/hook',
      WEBHOOK_SECRET: 'x'.repeat(16),
      TELEGRAM_BOT_TOKEN: '123456:abcdefghijklmnop',
      TELEGRAM_CHAT_ID: '-100200',
    });
    expect(config.notifications).toEqual({
      webhookUrls: ['https://a.example/hook', 'https://b.example/hook'],
      webhookSecret: 'x'.repeat(16),
      telegram: { botToken: '123456:abcdefghijklmnop', chatId: '-100200', apiUrl: 'https://api.telegram.org' },
      digest: { at: '19:00', adminLanguage: 'uz' },
    });
    expect(loadConfig({}).notifications).toEqual({
      webhookUrls: [],
      webhookSecret: null,
      telegram: null,
      digest: { at: '19:00', adminLanguage: 'uz' },
    });
  });

  test('a bad bot token or webhook secret is named but never echoed', () => {
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: 'leaky-token', TELEGRAM_CHAT_ID: '1' })).toThrow(/^TELEGRAM_BOT_TOKEN: [^]*$/);
    try {
      loadConfig({ TELEGRAM_BOT_TOKEN: 'leaky-token', TELEGRAM_CHAT_ID: '1' });
    } catch (err) {
      expect((err as Error).message).not.toContain('leaky-token');
    }
    try {
      loadConfig({ WEBHOOK_URLS: 'https://a.example/hook', WEBHOOK_SECRET: 'short-leak' });
    } catch (err) {
      expect((err as Error).message).toMatch(/^WEBHOOK_SECRET/);
      expect((err as Error).message).not.toContain('short-leak');
    }
  });

  test('DATABASE_URL picks SQLite or PostgreSQL, with an optional schema', () => {
    expect(parseDatabaseUrl('sqlite:./data/x.sqlite')).toEqual({ client: 'sqlite', filename: './data/x.sqlite' });
    expect(parseDatabaseUrl('postgres://u@h:5432/db?schema=sims')).toEqual({
      client: 'postgres',
      connectionString: 'postgres://u@h:5432/db',
      schema: 'sims',
    });
    expect(parseDatabaseUrl('postgresql://u@h/db')).toMatchObject({ client: 'postgres', schema: null });
    expect(() => parseDatabaseUrl('postgres://u@h/db?schema=Bad-Name')).toThrow(ConfigError);
  });
});

describe('the daily digest (DIGEST_AT, DIGEST_LANGUAGE)', () => {
  test('19:00 by default, HH:MM or off; tests get none unless they set it', () => {
    expect(loadConfig({}).notifications.digest).toEqual({ at: '19:00', adminLanguage: 'uz' });
    expect(loadConfig({ DIGEST_AT: '07:30', DIGEST_LANGUAGE: 'ru' }).notifications.digest).toEqual({ at: '07:30', adminLanguage: 'ru' });
    expect(loadConfig({ DIGEST_AT: 'off' }).notifications.digest.at).toBeNull();
    expect(loadConfig({ NODE_ENV: 'test' }).notifications.digest.at).toBeNull();
    expect(loadConfig({ NODE_ENV: 'test', DIGEST_AT: '19:00' }).notifications.digest.at).toBe('19:00');
    expect(() => loadConfig({ DIGEST_AT: '25:00' })).toThrow(/^DIGEST_AT: /);
    expect(() => loadConfig({ DIGEST_LANGUAGE: 'en' })).toThrow(/^DIGEST_LANGUAGE: /);
  });
});
