/** `npm run status-api`: configuration from the environment, then listen until SIGINT/SIGTERM. */
import { describeProviders, runService } from '@simcard/common';
import { startStatusApi } from './main.js';

await runService({
  name: 'status-api',
  portVariable: 'STATUS_API_PORT',
  start: (config, log) => startStatusApi(config, log),
  describe: (config) =>
    Object.keys(config.providers.byOperator).length > 0
      ? `operators: ${describeProviders(config.providers)
          .map(
            (p) =>
              `${p.operator} (${p.kind} at ${new URL(p.url).host}, concurrency ${p.concurrency}, ${p.rateLimitPerSecond || 'no'} calls/s limit)`,
          )
          .join('; ')}`
      : `operator: ${config.provider.simulated ? 'the simulator at ' : ''}${config.provider.url}, concurrency ${config.checks.concurrency}`,
});
