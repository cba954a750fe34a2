/** Starts the simulated operator on a port (0: any free one) and answers how to stop it. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHandler } from './app.js';
import { SimulatorState } from './state.js';

export interface ProviderSimOptions {
  port: number;
  token: string;
  host?: string;
}

export interface RunningProviderSim {
  url: string;
  port: number;
  state: SimulatorState;
  close(): Promise<void>;
}

export async function startProviderSim({ port, token, host = '127.0.0.1' }: ProviderSimOptions): Promise<RunningProviderSim> {
  const state = new SimulatorState();
  const server = createServer({ keepAliveTimeout: 60_000 }, createHandler(state, token));
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const sales = setInterval(() => state.tickSales(), 1000);
  sales.unref();
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    state,
    async close() {
      clearInterval(sales);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Requests the simulator chose never to answer would otherwise hold the close forever.
      server.closeAllConnections();
      await closed;
    },
  };
}
