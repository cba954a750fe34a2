/** `npm run provider-sim`: the simulated operator on PROVIDER_SIM_PORT (9030), until SIGINT/SIGTERM. */
import { ConfigError, createLogger, loadConfig } from '@simcard/common';
import { startProviderSim } from './main.js';

const log = createLogger('provider-sim');

try {
  const config = loadConfig();
  const sim = await startProviderSim({ port: config.provider.simulatorPort, token: config.provider.token });
  log.info(`listening on ${sim.url} (contract: GET /simcards/{iccid}; control: /_sim/config, /_sim/simcards/{iccid})`);
  const stop = async (signal: string) => {
    log.info(`${signal}: shutting down`);
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
} catch (err) {
  if (err instanceof ConfigError) {
    log.error(err.message);
  } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    log.error(`port ${(err as { port?: number }).port ?? ''} is already in use (set PROVIDER_SIM_PORT to another)`);
  } else {
    log.error('failed to start', { error: err instanceof Error ? err.message : String(err) });
  }
  process.exit(1);
}
