import { CallSlots } from './call-slots.js';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

test('at most `size` calls run at once; the others start in the order they came, as slots free', async () => {
  const slots = new CallSlots(2);
  const gates = [deferred(), deferred(), deferred(), deferred()];
  const started: number[] = [];
  const results = gates.map((g, i) =>
    slots.run(async () => {
      started.push(i);
      await g.promise;
      return i * 10;
    }),
  );
  await tick();
  expect(started).toEqual([0, 1]);
  gates[1]!.resolve();
  await tick();
  expect(started).toEqual([0, 1, 2]);
  gates[0]!.resolve();
  gates[2]!.resolve();
  gates[3]!.resolve();
  expect(await Promise.all(results)).toEqual([0, 10, 20, 30]);
  expect(started).toEqual([0, 1, 2, 3]);
});

test('a call that fails, at once or later, gives its slot back and its caller the error', async () => {
  const slots = new CallSlots(1);
  const thrown = slots.run(() => {
    throw new Error('at once');
  });
  const rejected = slots.run(() => Promise.reject(new Error('later')));
  const after = slots.run(() => Promise.resolve('ran'));
  await expect(thrown).rejects.toThrow('at once');
  await expect(rejected).rejects.toThrow('later');
  await expect(after).resolves.toBe('ran');
});

test('thousands of waiters are all served, in order', async () => {
  const slots = new CallSlots(3);
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 5000 }, (_, i) =>
      slots.run(async () => {
        order.push(i);
        await tick();
      }),
    ),
  );
  expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i));
});
