/** Starts the simulated operator on a port (0: any free one) and answers how to stop it. */
import { createServer } from 'node:http';
import { listen } from '@simcard/common';
import { createHandler } from './app.js';
import { OperatorStates, SimulatorState } from './state.js';

export interface ProviderSimOptions {
  port: number;
  token: string;
  host?: string;
}

export interface RunningProviderSim {
  url: string;
  port: number;
  state: SimulatorState;
  /** The state of one operator played at `/operators/{operator}/…` (created on first use). */
  operator(name: string): SimulatorState;
  close(): Promise<void>;
}

export async function startProviderSim({ port, token, host = '127.0.0.1' }: ProviderSimOptions): Promise<RunningProviderSim> {
  const state = new SimulatorState();
  const operators = new OperatorStates();
  const server = createServer({ keepAliveTimeout: 60_000 }, createHandler(state, token, operators));
  const listening = await listen(server, port, { host });
  const sales = setInterval(() => {
    state.tickSales();
    for (const s of operators.all()) s.tickSales();
  }, 1000);
  sales.unref();
  return {
    url: listening.url,
    port: listening.port,
    state,
    operator: (name) => operators.get(name),
    async close() {
      clearInterval(sales);
      await listening.close();
    },
  };
}
