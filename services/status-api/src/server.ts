/** `npm run status-api`: configuration from the environment, then listen until SIGINT/SIGTERM. */
import { runService } from '@simcard/common';
import { startStatusApi } from './main.js';

await runService({
  name: 'status-api',
  portVariable: 'STATUS_API_PORT',
  start: (config, log) => startStatusApi(config, log),
  describe: (config) => `operator: ${config.provider.simulated ? 'the simulator at ' : ''}${config.provider.url}, concurrency ${config.checks.concurrency}`,
});
