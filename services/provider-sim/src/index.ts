export { type ProviderSimOptions, type RunningProviderSim, startProviderSim } from './main.js';
export { DEFAULT_CONFIG as DEFAULT_SIM_CONFIG, OperatorStates, type SimConfig, type SimStats, SimulatorState } from './state.js';
