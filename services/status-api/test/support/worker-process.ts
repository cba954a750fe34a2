/**
 * A status API worker in a process of its own (a test kills it with SIGKILL): configuration from
 * the environment as `npm run status-api`, with pages of TEST_RUN_PAGE_SIZE SIMs.
 */
import { runService } from '@simcard/common';
import { startStatusApi } from '../../src/main.js';

await runService({
  name: 'status-api',
  portVariable: 'STATUS_API_PORT',
  start: (config, log) => startStatusApi(config, log, { runPageSize: Number(process.env.TEST_RUN_PAGE_SIZE ?? 5) }),
});
