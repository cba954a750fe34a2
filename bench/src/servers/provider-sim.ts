/** The provider simulator in its own process, so it never shares an event loop with what it serves. */
import { startProviderSim } from '@simcard/provider-sim';

const sim = await startProviderSim({ port: 0, token: process.env.PROVIDER_TOKEN ?? 'bench-provider-token' });
process.stdout.write(`READY ${sim.url}\n`);
process.once('SIGTERM', () => void sim.close().then(() => process.exit(0)));
