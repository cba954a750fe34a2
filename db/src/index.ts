export {
  createDatabase,
  type Db,
  isSqlite,
  limitTransaction,
  type Queryable,
  writeTransaction,
  type WriteTransactionOptions,
  WriteTurnTimeoutError,
} from './connection.js';
export { isForeignKeyViolation, isUniqueViolation, violatedColumn } from './errors.js';
export { migrateToLatest, migrationStatus, rollbackAll } from './migrate.js';
export { migrations } from './migrations/index.js';
export { type PoolStats, poolStats } from './pool-stats.js';
export * as activationReportsRepository from './repositories/activation-reports.js';
export * as anomaliesRepository from './repositories/anomalies.js';
export { ANOMALY_KINDS, type AnomalyKind } from './repositories/anomalies.js';
export * as anomalyReviewsRepository from './repositories/anomaly-reviews.js';
export type { ApiKeyRole, ApiKeyRow } from './repositories/api-keys.js';
export * as apiKeysRepository from './repositories/api-keys.js';
export * as assignmentLogsRepository from './repositories/assignment-logs.js';
export * as assignmentsRepository from './repositories/assignments.js';
export type { AuditLogRow } from './repositories/audit-log.js';
export * as auditLogRepository from './repositories/audit-log.js';
export * as checkCountsRepository from './repositories/check-counts.js';
export * as checkReportsRepository from './repositories/check-reports.js';
export * as checkRunsRepository from './repositories/check-runs.js';
export * as commissionsRepository from './repositories/commissions.js';
export * as digestsRepository from './repositories/digests.js';
export * as exportRepository from './repositories/export.js';
export * as handoversRepository from './repositories/handovers.js';
export * as historyRepository from './repositories/history.js';
export * as idempotencyKeysRepository from './repositories/idempotency-keys.js';
export * as importsRepository from './repositories/imports.js';
export * as lookupRepository from './repositories/lookup.js';
export type { DeliveryChannel, DeliveryRow, DeliveryStatus } from './repositories/notification-deliveries.js';
export * as notificationDeliveriesRepository from './repositories/notification-deliveries.js';
export * as operatorBudgetRepository from './repositories/operator-budget.js';
export * as revokedTokensRepository from './repositories/revoked-tokens.js';
export * as rowCountsRepository from './repositories/row-counts.js';
export * as runLeasesRepository from './repositories/run-leases.js';
export * as settingsRepository from './repositories/settings.js';
export type { ShopSortColumn } from './repositories/shops.js';
export * as shopsRepository from './repositories/shops.js';
export * as simcardTalliesRepository from './repositories/simcard-tallies.js';
export * as simcardsRepository from './repositories/simcards.js';
export { SIMCARD_SORT_COLUMNS, type SimcardSortColumn } from './repositories/simcards.js';
export { DAY_MS, startOfUtcDay } from './repositories/sql-dates.js';
export * as statementsRepository from './repositories/statements.js';
export * as statisticsRepository from './repositories/statistics.js';
export { SHOP_FIGURE_SORT_COLUMNS, type ShopFigureSortColumn } from './repositories/statistics.js';
export * as statusChangeLogsRepository from './repositories/status-change-logs.js';
export * as statusCheckLogsRepository from './repositories/status-check-logs.js';
export type { UserSortColumn } from './repositories/users.js';
export * as usersRepository from './repositories/users.js';
export * from './rows.js';
export { SALE_EVENT, saleDeliveryId, SaleOutbox, type TelegramSale } from './sale-outbox.js';
export { resolveJwtSecret } from './secrets.js';
export { now, toIso } from './time.js';
export { type BatchTally, WriteBatcher } from './write-batcher.js';
