/** `npm run provider-sim`: the simulated operator on PROVIDER_SIM_PORT (9030), until SIGINT/SIGTERM. */
import { runService } from '@simcard/common';
import { startProviderSim } from './main.js';

await runService({
  name: 'provider-sim',
  portVariable: 'PROVIDER_SIM_PORT',
  start: (config) => startProviderSim({ port: config.provider.simulatorPort, token: config.provider.token, host: config.http.host }),
  describe: () => 'contract: GET /simcards/{iccid}; control: /_sim/config, /_sim/simcards/{iccid}',
});
