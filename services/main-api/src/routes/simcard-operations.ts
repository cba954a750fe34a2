/**
 * Bulk assignment, export and history of SIM cards, registered together. Must come before
 * `simcardRoutes`: `GET /simcards/export` would otherwise be read as `GET /simcards/{id}`.
 */
import type { ApiRouter } from '@simcard/common';
import type { Db } from '@simcard/db';
import { AssignmentsService } from '../services/assignments.js';
import { ExportService } from '../services/export.js';
import { HistoryService } from '../services/history.js';
import type { SimcardsService } from '../services/simcards.js';
import { assignmentRoutes } from './assignments/assignments.js';
import { historyRoutes } from './history/history.js';
import { simcardExportRoutes } from './simcards-export/simcards-export.js';

export function simcardOperationRoutes(api: ApiRouter, db: Db, simcards: SimcardsService): void {
  simcardExportRoutes(api, new ExportService(db));
  assignmentRoutes(api, new AssignmentsService(db));
  historyRoutes(api, new HistoryService(db, simcards));
}
