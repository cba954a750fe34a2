/** CPU_PROFILE=<file>: a bench server records a CPU profile (open it in Chrome DevTools) until it stops. */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

export async function startProfiling(): Promise<() => Promise<void>> {
  const file = process.env.CPU_PROFILE;
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    writeFileSync(file, JSON.stringify((await session.post('Profiler.stop')).profile));
  };
}
