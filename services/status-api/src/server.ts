/** `npm run status-api`: configuration from the environment, then listen until SIGINT/SIGTERM. */
import { ConfigError, createLogger, loadConfig } from '@simcard/common';
import { startStatusApi } from './main.js';

const log = createLogger('status-api');

try {
  const config = loadConfig();
  const api = await startStatusApi(config, log);
  log.info(`listening on ${api.url} (operator: ${config.provider.simulated ? 'the simulator at ' : ''}${config.provider.url}, concurrency ${config.checks.concurrency})`);
  const stop = async (signal: string) => {
    log.info(`${signal}: shutting down`);
    await api.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
} catch (err) {
  if (err instanceof ConfigError) {
    log.error(err.message);
  } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    log.error(`port ${(err as { port?: number }).port ?? ''} is already in use (set STATUS_API_PORT to another)`);
  } else {
    log.error('failed to start', { error: err instanceof Error ? err.message : String(err) });
  }
  process.exit(1);
}
