/** The real main API, for benchmarks: DATABASE_URL etc. from the environment; prints its URL. */
import { loadConfig, silentLogger } from '@simcard/common';
import { startMainApi } from '@simcard/main-api';
import { startProfiling } from './profile.js';

const stopProfiling = await startProfiling();
const api = await startMainApi(loadConfig(), silentLogger);
process.stdout.write(`READY ${api.url}\n`);
process.once('SIGTERM', async () => {
  await stopProfiling();
  await api.close();
  process.exit(0);
});
