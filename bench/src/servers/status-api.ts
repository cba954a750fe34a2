/**
 * The real status API, for benchmarks: configuration from the environment; prints its URL.
 * With CPU_PROFILE=<file> it records a CPU profile (open it in Chrome DevTools) until SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadConfig, silentLogger } from '@simcard/common';
import { startStatusApi } from '@simcard/status-api';

const profile = process.env.CPU_PROFILE;
const session = profile ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}

const api = await startStatusApi(loadConfig(), silentLogger);
process.stdout.write(`READY ${api.url}\n`);
process.once('SIGTERM', async () => {
  if (session) writeFileSync(profile!, JSON.stringify((await session.post('Profiler.stop')).profile));
  await api.close();
  process.exit(0);
});
