/** The statistics, log, report and anomaly endpoints with their services: one call from the app factory. */
import type { ApiRouter, Config } from '@simcard/common';
import type { Db } from '@simcard/db';
import { AnomaliesService } from '../../services/anomalies.js';
import { CheckReportsService } from '../../services/check-reports.js';
import { StatisticsService } from '../../services/statistics.js';
import { StatusChangeLogsService } from '../../services/status-change-logs.js';
import { anomalyRoutes } from '../anomalies/anomalies.js';
import { logRoutes } from '../logs/logs.js';
import { reportRoutes } from '../reports/reports.js';
import { statisticsRoutes } from './statistics.js';

export function registerStatisticsRoutes(api: ApiRouter, db: Db, config: Config): void {
  statisticsRoutes(api, new StatisticsService(db, config.checks.autoCheckIntervalMin));
  logRoutes(api, new StatusChangeLogsService(db));
  reportRoutes(api, new CheckReportsService(db));
  anomalyRoutes(api, new AnomaliesService(db, config.checks.staleDays));
}
