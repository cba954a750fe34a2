export { createApp, type StatusApiDeps } from './app.js';
export { type RunningStatusApi, startStatusApi } from './main.js';
export { HttpProvider } from './provider/http-provider.js';
export { type ProviderAnswer, ProviderError, type StatusProvider } from './provider/provider.js';
