export { createApp, type MainApiDeps } from './app.js';
export { prepareDatabase } from './bootstrap.js';
export { type RunningMainApi, startMainApi } from './main.js';
export { buildMainApiDocument } from './openapi.js';
export { CreateUserBody, UpdateUserBody } from './routes/users/users.schema.js';
export { ApiKeysService } from './services/api-keys.js';
export { commandLineActor } from './services/audit.js';
export { UsersService } from './services/users.js';
