import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import { loadEnvFile } from './env-file.js';

const dir = mkdtempSync(join(tmpdir(), 'env-file-'));
const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

test('.env sets what the environment does not, and never overrides what it does', () => {
  const file = join(dir, '.env');
  writeFileSync(file, '# a comment\nSIMCARD_TEST_A=from-file\nSIMCARD_TEST_B="quoted value"\nexport SIMCARD_TEST_C=3\n');
  process.env['SIMCARD_TEST_C'] = 'from-environment';
  expect(loadEnvFile(file, { evenUnderTest: true })).toBe(file);
  expect(process.env['SIMCARD_TEST_A']).toBe('from-file');
  expect(process.env['SIMCARD_TEST_B']).toBe('quoted value');
  expect(process.env['SIMCARD_TEST_C']).toBe('from-environment');
});

test('no file, or NODE_ENV=test: nothing is read', () => {
  expect(loadEnvFile(join(dir, 'missing.env'), { evenUnderTest: true })).toBeNull();
  const file = join(dir, 'test.env');
  writeFileSync(file, 'SIMCARD_TEST_D=1\n');
  process.env['NODE_ENV'] = 'test';
  expect(loadEnvFile(file)).toBeNull();
  expect(process.env['SIMCARD_TEST_D']).toBeUndefined();
});

test('LOG_LEVEL and LOG_FORMAT are checked like every setting: a bad value is one line naming it', () => {
  expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL: .*"loud"/);
  expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/^LOG_FORMAT: /);
  expect(() => loadConfig({ LOG_LEVEL: 'DEBUG', LOG_FORMAT: 'pretty' })).not.toThrow();
});
