export { createApp, type MainApiDeps } from './app.js';
export { startMainApi, type RunningMainApi } from './main.js';
export { prepareDatabase } from './bootstrap.js';
export { UsersService } from './services/users.js';
export { ApiKeysService } from './services/api-keys.js';
export { commandLineActor } from './services/audit.js';
export { CreateUserBody, UpdateUserBody } from './routes/users/users.schema.js';
