import type { ApiRouter } from '@simcard/common';
import type { Db } from '@simcard/db';
import { Idempotency } from '../../services/idempotency.js';
import { ImportsService } from '../../services/imports.js';
import { importRoutes } from './imports.js';

/** POST /simcards/bulk, GET /imports, GET /imports/{id}. Before `simcardRoutes` (`/simcards/{id}`). */
export function registerImportRoutes(api: ApiRouter, db: Db): void {
  const idempotency = new Idempotency(db);
  importRoutes(api, new ImportsService(db, idempotency), idempotency);
}
