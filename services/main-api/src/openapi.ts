/**
 * The main API's OpenAPI document without a server or a database (`npm run gen:api`, and the
 * test that keeps the web app's generated types current): the app is built as `createApp` builds
 * it, so every route it lists is in the document, on a throwaway configuration and an in-memory
 * SQLite that is never queried.
 */
import { buildOpenApiDocument, loadConfig, silentLogger, TokenService } from '@simcard/common';
import { createDatabase } from '@simcard/db';
import { MAIN_API_INFO } from './api-info.js';
import { createApp } from './app.js';

export async function buildMainApiDocument(): Promise<object> {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:' });
  const db = createDatabase(config.database);
  const { api, close } = createApp({ config, db, tokens: new TokenService('x'.repeat(32), 60), log: silentLogger });
  try {
    return buildOpenApiDocument(api, MAIN_API_INFO);
  } finally {
    await close();
    await db.destroy();
  }
}
