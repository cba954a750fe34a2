/** The real main API, for benchmarks: DATABASE_URL etc. from the environment; prints its URL. */
import { loadConfig, silentLogger } from '@simcard/common';
import { startMainApi } from '@simcard/main-api';

const api = await startMainApi(loadConfig(), silentLogger);
process.stdout.write(`READY ${api.url}\n`);
// A clean exit on SIGTERM, so `--cpu-prof` can write its profile.
process.once('SIGTERM', () => void api.close().then(() => process.exit(0)));
