import { configurePasswordHashing, hashPassword, passwordHashingLoad, verifyPassword } from './password.js';

describe('password hashing', () => {
  test('by default the hash uses scrypt with N=2^17, r=8, p=1 and carries its parameters', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$17\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
  });

  test('a wrong password does not verify', async () => {
    const hash = await hashPassword('correct horse battery', 10);
    expect(await verifyPassword('Correct horse battery', hash)).toBe(false);
  });

  test('the same password hashes differently each time (random salt)', async () => {
    expect(await hashPassword('same', 10)).not.toBe(await hashPassword('same', 10));
  });

  test('a hash of another cost still verifies: the cost is read from the hash', async () => {
    const cheap = await hashPassword('pw-123456', 10);
    expect(await verifyPassword('pw-123456', cheap)).toBe(true);
  });

  test('a malformed stored hash never verifies', async () => {
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$10$8$1$aa$bb')).toBe(false);
  });
});

describe('the hashing queue', () => {
  afterEach(() => configurePasswordHashing({ concurrency: 2, maxQueue: 1000 }));

  test('at most `concurrency` hashes run at once (the rest of the thread pool stays free); the rest wait their turn', async () => {
    configurePasswordHashing({ concurrency: 1, maxQueue: 10 });
    const all = Promise.all([1, 2, 3].map((i) => hashPassword(`pw-${i}`, 10)));
    await Promise.resolve(); // each call has reached the queue
    await Promise.resolve();
    expect(passwordHashingLoad()).toEqual({ running: 1, waiting: 2 });
    expect(await all).toHaveLength(3);
    expect(passwordHashingLoad()).toEqual({ running: 0, waiting: 0 });
  });

  test('a full queue answers 503 busy with Retry-After, and never loses a slot', async () => {
    configurePasswordHashing({ concurrency: 1, maxQueue: 1 });
    const results = await Promise.allSettled([1, 2, 3].map((i) => hashPassword(`pw-${i}`, 10)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ status: 503, code: 'busy' });
    expect(passwordHashingLoad()).toEqual({ running: 0, waiting: 0 });
  });
});
