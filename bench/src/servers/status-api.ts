/** The real status API, for benchmarks: configuration from the environment; prints its URL. */
import { loadConfig, silentLogger } from '@simcard/common';
import { startStatusApi } from '@simcard/status-api';
import { startProfiling } from './profile.js';

const stopProfiling = await startProfiling();
const api = await startStatusApi(loadConfig(), silentLogger);
process.stdout.write(`READY ${api.url}\n`);
process.once('SIGTERM', async () => {
  await stopProfiling();
  await api.close();
  process.exit(0);
});
