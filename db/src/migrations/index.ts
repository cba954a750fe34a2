/**
 * The ordered list of migrations. Imported statically (not scanned from disk) so that the same
 * list runs under tsx, jest and a bundler alike. Add a new file here, never edit an old one.
 */
import type { Knex } from 'knex';
import * as m0001 from './2026-11-23-0001-create-app-settings.js';
import * as m0002 from './2026-11-23-0002-create-shops.js';
import * as m0003 from './2026-11-23-0003-create-users.js';
import * as m0004 from './2026-11-23-0004-create-revoked-tokens.js';
import * as m0005 from './2026-11-23-0005-create-simcards.js';
import * as m0006 from './2026-11-23-0006-create-assignment-logs.js';
import * as m0007 from './2026-11-23-0007-create-status-check-logs.js';
import * as m0201 from './2026-11-23-0201-create-check-runs.js';
import * as m0202 from './2026-11-23-0202-status-check-logs-once-per-run.js';
import * as m0301 from './2026-11-23-0301-create-imports.js';
import * as m0302 from './2026-11-23-0302-create-idempotency-keys.js';
import * as m0401 from './2026-11-23-0401-create-simcard-edits.js';
import * as m0501 from './2026-11-23-0501-credit-sales-to-shops.js';
import * as m0502 from './2026-11-23-0502-statistics-indexes.js';
import * as m0503 from './2026-11-23-0503-anomaly-indexes.js';
import * as m0504 from './2026-11-23-0504-shop-sales-daily.js';
import * as m0601 from './2026-11-23-0601-create-notification-deliveries.js';
import * as m0701 from './2026-11-23-0701-create-api-keys.js';
import * as m0702 from './2026-11-23-0702-create-audit-log.js';
import * as m0801 from './2026-11-23-0801-simcard-tallies.js';
import * as m0802 from './2026-11-23-0802-shop-sales-totals.js';
import * as m0803 from './2026-11-23-0803-row-counts.js';
import * as m1101 from './2026-12-03-1101-idempotency-claim-lease.js';
import * as m1201 from './2026-12-03-1201-sale-dated-by-activation.js';
import * as m1202 from './2026-12-03-1202-check-counts.js';
import * as m1221 from './2026-12-03-1221-alert-states.js';
import * as m1401 from './2026-12-03-1401-simcard-search.js';
import * as m1402 from './2026-12-03-1402-simcard-sort-indexes.js';
import * as m1501 from './2026-12-03-1501-activation-reports.js';
import * as m1601 from './2026-12-03-1601-create-handovers.js';
import * as m1701 from './2026-12-03-1701-commissions.js';
import * as m1702 from './2026-12-03-1702-commission-daily.js';
import * as m1801 from './2026-12-03-1801-check-run-operators.js';
import * as m1841 from './2026-12-03-1841-check-run-leases.js';
import * as m1901 from './2026-12-03-1901-check-run-pages.js';
import * as m1950 from './2026-12-03-1950-operator-budget.js';
import * as m1971 from './2026-12-03-1971-report-sales-set-based.js';
import * as m040101 from './2026-12-04-0101-drop-duplicate-sold-at-index.js';
import * as m042201 from './2026-12-04-2201-report-sale-stage-sim-columns.js';
import * as m050401 from './2026-12-05-0401-simcard-iccid-covering.js';
import * as m050501 from './2026-12-05-0501-drop-log-run-id-index.js';
import * as m050601 from './2026-12-05-0601-simcard-autovacuum.js';

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const migrations: readonly Migration[] = [
  { name: '2026-11-23-0001-create-app-settings', ...m0001 },
  { name: '2026-11-23-0002-create-shops', ...m0002 },
  { name: '2026-11-23-0003-create-users', ...m0003 },
  { name: '2026-11-23-0004-create-revoked-tokens', ...m0004 },
  { name: '2026-11-23-0005-create-simcards', ...m0005 },
  { name: '2026-11-23-0006-create-assignment-logs', ...m0006 },
  { name: '2026-11-23-0007-create-status-check-logs', ...m0007 },
  { name: '2026-11-23-0201-create-check-runs', ...m0201 },
  { name: '2026-11-23-0202-status-check-logs-once-per-run', ...m0202 },
  { name: '2026-11-23-0301-create-imports', ...m0301 },
  { name: '2026-11-23-0302-create-idempotency-keys', ...m0302 },
  { name: '2026-11-23-0401-create-simcard-edits', ...m0401 },
  { name: '2026-11-23-0501-credit-sales-to-shops', ...m0501 },
  { name: '2026-11-23-0502-statistics-indexes', ...m0502 },
  { name: '2026-11-23-0503-anomaly-indexes', ...m0503 },
  { name: '2026-11-23-0504-shop-sales-daily', ...m0504 },
  { name: '2026-11-23-0601-create-notification-deliveries', ...m0601 },
  { name: '2026-11-23-0701-create-api-keys', ...m0701 },
  { name: '2026-11-23-0702-create-audit-log', ...m0702 },
  { name: '2026-11-23-0801-simcard-tallies', ...m0801 },
  { name: '2026-11-23-0802-shop-sales-totals', ...m0802 },
  { name: '2026-11-23-0803-row-counts', ...m0803 },
  { name: '2026-12-03-1101-idempotency-claim-lease', ...m1101 },
  { name: '2026-12-03-1201-sale-dated-by-activation', ...m1201 },
  { name: '2026-12-03-1202-check-counts', ...m1202 },
  { name: '2026-12-03-1221-alert-states', ...m1221 },
  { name: '2026-12-03-1401-simcard-search', ...m1401 },
  { name: '2026-12-03-1402-simcard-sort-indexes', ...m1402 },
  { name: '2026-12-03-1501-activation-reports', ...m1501 },
  { name: '2026-12-03-1601-create-handovers', ...m1601 },
  { name: '2026-12-03-1701-commissions', ...m1701 },
  { name: '2026-12-03-1702-commission-daily', ...m1702 },
  { name: '2026-12-03-1801-check-run-operators', ...m1801 },
  { name: '2026-12-03-1841-check-run-leases', ...m1841 },
  { name: '2026-12-03-1901-check-run-pages', ...m1901 },
  { name: '2026-12-03-1950-operator-budget', ...m1950 },
  { name: '2026-12-03-1971-report-sales-set-based', ...m1971 },
  { name: '2026-12-04-0101-drop-duplicate-sold-at-index', ...m040101 },
  { name: '2026-12-04-2201-report-sale-stage-sim-columns', ...m042201 },
  { name: '2026-12-05-0401-simcard-iccid-covering', ...m050401 },
  { name: '2026-12-05-0501-drop-log-run-id-index', ...m050501 },
  { name: '2026-12-05-0601-simcard-autovacuum', ...m050601 },
];
