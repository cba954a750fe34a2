export { createApp, type StatusApiDeps } from './app.js';
export { startStatusApi, type RunningStatusApi } from './main.js';
export { HttpProvider } from './provider/http-provider.js';
export { ProviderError, type StatusProvider, type ProviderAnswer } from './provider/provider.js';
