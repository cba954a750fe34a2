export { createApp, type MainApiDeps } from './app.js';
export { startMainApi, type RunningMainApi } from './main.js';
export { prepareDatabase } from './bootstrap.js';
