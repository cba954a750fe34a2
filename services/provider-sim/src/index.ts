export { type ProviderSimOptions, type RunningProviderSim, startProviderSim } from './main.js';
export { OperatorStates, type SimConfig, type SimStats, SimulatorState } from './state.js';
