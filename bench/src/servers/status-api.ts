/** The real status API, for benchmarks: configuration from the environment; prints its URL. */
import { loadConfig, silentLogger } from '@simcard/common';
import { startStatusApi } from '@simcard/status-api';

const api = await startStatusApi(loadConfig(), silentLogger);
process.stdout.write(`READY ${api.url}\n`);
process.once('SIGTERM', () => void api.close().then(() => process.exit(0)));
