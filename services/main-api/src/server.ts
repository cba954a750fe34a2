/** `npm run main-api`: configuration from the environment, then listen until SIGINT/SIGTERM. */
import { runService } from '@simcard/common';
import { startMainApi } from './main.js';

await runService({
  name: 'main-api',
  portVariable: 'MAIN_API_PORT',
  start: startMainApi,
  describe: (config) => `database: ${config.database.client}`,
});
