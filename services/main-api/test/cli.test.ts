import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runCli } from '../../../scripts/src/cli.js';
import { TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

async function cli(...argv: string[]): Promise<string[]> {
  const out: string[] = [];
  await runCli(argv, { db: api.db, config: api.config, out: (l) => out.push(l) });
  return out;
}

const secretIn = (out: string[], label: string) => out.find((l) => l.startsWith(`${label}: `))!.split(' ')[1]!;

describe('npm run cli', () => {
  test('create-user makes a staff user who can sign in with the printed password; the change is audited as cli', async () => {
    const shop = await api.createShop();
    const out = await cli('create-user', 'Shavkat', '--role', 'staff', '--shop', String(shop.id));
    expect(out[0]).toMatch(/^created staff shavkat \(id \d+, shop \d+\)$/);
    const password = secretIn(out, 'password');
    expect(password.length).toBeGreaterThanOrEqual(16);
    const token = await api.login('shavkat', password);
    expect((await api.get('/auth/me', { token })).body.user).toMatchObject({ role: 'staff', shop_id: shop.id });
    const audit = await api.get('/audit?entity=user');
    expect(audit.body.data[0]).toMatchObject({
      action: 'create',
      actor: { user_id: null, name: 'cli' },
      after: expect.objectContaining({ username: 'shavkat' }),
    });
  });

  test('create-user follows the same rules as the API: staff need an existing shop, usernames are unique', async () => {
    await expect(cli('create-user', 'noshop', '--role', 'staff')).rejects.toMatchObject({ status: 400 });
    await expect(cli('create-user', 'admin', '--role', 'admin', '--password', 'long-enough-1')).rejects.toMatchObject({ status: 409 });
    await expect(cli('create-user', 'x1', '--role', 'root')).rejects.toThrow(/--role must be one of admin, staff/);
    await expect(cli('create-user', 'bad name!', '--role', 'admin')).rejects.toThrow(/^username: must be 3-64 letters/);
    await expect(cli('create-user', 'shortpw', '--role', 'admin', '--password', 'short')).rejects.toThrow(
      /^password: must be at least 8 characters/,
    );
  });

  test('reset-password sets a new password and signs the user out', async () => {
    await cli('create-user', 'dilfuza', '--role', 'admin', '--password', 'first-password-1');
    const old = await api.login('dilfuza', 'first-password-1');
    const out = await cli('reset-password', 'dilfuza', '--password', 'second-password-2');
    expect(out).toEqual(['password of dilfuza reset; their sessions are signed out']);
    expect((await api.get('/auth/me', { token: old })).status).toBe(401);
    await api.login('dilfuza', 'second-password-2');
    await expect(cli('reset-password', 'nobody')).rejects.toThrow(/no user named nobody/);
  });

  test('create-api-key prints a working key once, acting for an admin', async () => {
    const out = await cli('create-api-key', 'chat bot', '--role', 'read');
    const key = secretIn(out, 'key');
    const res = await api.get('/shops', { token: null, headers: { 'x-api-key': key } });
    expect(res.status).toBe(200);
    expect((await api.post('/shops', { name: 'no', code: 'NOPE' }, { token: null, headers: { 'x-api-key': key } })).status).toBe(403);
    await expect(cli('create-api-key', 'x', '--role', 'read', '--owner', 'shavkat')).rejects.toThrow(/not an active admin/);
  });

  test('list-users prints one tab-separated line per user, no secrets', async () => {
    const out = await cli('list-users');
    expect(out[0]).toBe('id\tusername\trole\tshop\tactive\tlast login');
    expect(out.some((l) => /\tadmin\tadmin\t-\tyes\t/.test(l))).toBe(true);
    expect(out.join('\n')).not.toMatch(/scrypt|\$/);
  });

  test('as a process: exit code 0 with the answer on stdout, 2 with the usage for a bad command', async () => {
    const run = promisify(execFile);
    const script = fileURLToPath(new URL('../../../scripts/src/cli.ts', import.meta.url));
    const env = { ...process.env, DATABASE_URL: api.database.url, NODE_ENV: 'test' };
    const ok = await run(process.execPath, ['--import', 'tsx', script, 'list-users'], { env });
    expect(ok.stdout).toMatch(/\tadmin\tadmin\t/);
    const bad = await run(process.execPath, ['--import', 'tsx', script, 'frobnicate'], { env }).catch((err) => err);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage: npm run cli');
  }, 90_000); // two Node processes compiling TypeScript on a busy machine
});
