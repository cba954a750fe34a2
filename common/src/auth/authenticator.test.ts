import { AuthenticationError } from '../errors.js';
import { Authenticator, type TokenSubject } from './authenticator.js';
import { TokenService } from './tokens.js';

const tokens = new TokenService('a-secret-of-at-least-thirty-two-bytes!!', 60);
const users = new Map<number, Omit<TokenSubject, 'revoked'>>([
  [1, { id: 1, username: 'admin', role: 'admin', shop_id: null, is_active: true, token_version: 0 }],
  [2, { id: 2, username: 'staff', role: 'staff', shop_id: 7, is_active: true, token_version: 0 }],
  [3, { id: 3, username: 'gone', role: 'staff', shop_id: 7, is_active: false, token_version: 0 }],
  [4, { id: 4, username: 'moved', role: 'staff', shop_id: 8, is_active: true, token_version: 1 }],
]);
const revoked = new Set<string>();

function authenticator() {
  const calls = { one: 0, many: 0 };
  const a = new Authenticator(
    tokens,
    async (id, jti) => {
      calls.one++;
      const user = users.get(id);
      return user && { ...user, revoked: revoked.has(jti) };
    },
    {
      subjects: async (ids, jtis) => {
        calls.many++;
        return {
          users: new Map(ids.flatMap((id) => (users.has(id) ? [[id, users.get(id)!] as const] : []))),
          revoked: new Set(jtis.filter((j) => revoked.has(j))),
        };
      },
    },
  );
  return { a, calls };
}

test('authenticateMany answers each token as authenticate would, with one lookup for all', async () => {
  const signedOut = tokens.issue(2, 0);
  revoked.add(signedOut.jti);
  const batch = [
    tokens.issue(1, 0).token, // fine
    tokens.issue(2, 0).token, // fine
    signedOut.token, // revoked by a sign-out
    tokens.issue(3, 0).token, // deactivated
    tokens.issue(4, 0).token, // token version moved on (role or shop changed)
    tokens.issue(99, 0).token, // user deleted
    'not-a-token',
    new TokenService('another-secret-of-at-least-32-bytes!!', 60).issue(1, 0).token,
    tokens.issueService('status-api'), // not accepted by this authenticator
  ];
  const { a, calls } = authenticator();
  const one = await Promise.all(batch.map((t) => a.authenticate(t).catch((e: unknown) => e)));
  const many = await a.authenticateMany(batch);

  expect(calls.many).toBe(1);
  const summary = (answers: unknown[]) =>
    answers.map((x) => (x instanceof AuthenticationError ? `${x.code}` : `${(x as { username: string }).username}`));
  expect(summary(many)).toEqual(summary(one));
  expect(summary(many)).toEqual([
    'admin',
    'staff',
    'token_revoked',
    'token_revoked',
    'token_revoked',
    'token_revoked',
    'invalid_token',
    'invalid_token',
    'invalid_token',
  ]);
});

test('authenticateMany rejects as a whole when the lookup fails (a database hiccup is not a sign-out)', async () => {
  const a = new Authenticator(tokens, async () => undefined, {
    subjects: async () => {
      throw new Error('connection reset');
    },
  });
  await expect(a.authenticateMany([tokens.issue(1, 0).token])).rejects.toThrow('connection reset');
});
