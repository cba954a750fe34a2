export { startProviderSim, type ProviderSimOptions, type RunningProviderSim } from './main.js';
export { SimulatorState, type SimConfig, type SimStats } from './state.js';
