/**
 * The shapes the main API answers, as its presenters and schemas define them
 * (services/main-api/src/presenters.ts, routes/*.schema.ts; GET /openapi.json is authoritative).
 */
export type Role = 'admin' | 'staff';
export type SimStatus = 'in_stock' | 'assigned' | 'sold' | 'blocked';
export type ProviderStatus = 'inactive' | 'active' | 'blocked' | 'not_found';
export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted';

export interface Page<T> {
  data: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface User {
  id: number;
  username: string;
  role: Role;
  shop_id: number | null;
  full_name: string | null;
  is_active: boolean;
  last_login_at: string | null;
  created_at: string;
}

export interface Session {
  token: string;
  expires_at: string;
  user: User;
}

export interface Shop {
  id: number;
  name: string;
  code: string;
  city: string | null;
  region: string | null;
  address: string | null;
  phone: string | null;
  manager_name: string | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}

export interface Simcard {
  id: number;
  iccid: string;
  msisdn: string | null;
  operator: string | null;
  tariff: string | null;
  price: number | null;
  batch_id: string | null;
  shop_id: number | null;
  status: SimStatus;
  provider_status: ProviderStatus | null;
  activated_at: string | null;
  sold_at: string | null;
  assigned_at: string | null;
  last_checked_at: string | null;
  last_check_error: string | null;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

export interface CheckResult {
  ok: boolean;
  provider_status: string | null;
  changed: boolean;
  newly_sold: boolean;
  response_ms: number;
  error: { code: string; message: string } | null;
}

export interface CheckRun {
  id: number;
  status: RunStatus;
  trigger?: 'manual' | 'scheduled';
  include_sold?: boolean;
  total: number;
  done: number;
  changed: number;
  errors: number;
  error_message?: string | null;
  started_at: string;
  finished_at: string | null;
  eta_seconds: number | null;
}

export interface ImportProblem {
  line: number;
  iccid: string | null;
  field: string | null;
  reason: string;
}

export interface ImportReport {
  import_id: number | null;
  batch_id: string | null;
  dry_run: boolean;
  mode: 'partial' | 'strict';
  received: number;
  inserted: number;
  skipped_existing: number;
  duplicates_in_file: number;
  invalid_rows: number;
  warning_count: number;
  /** Entries of `invalid` in all; the list holds the first 1000. */
  invalid_count: number;
  invalid: ImportProblem[];
  warnings: ImportProblem[];
}

export interface ImportSummary {
  id: number;
  batch_id: string | null;
  status: 'completed' | 'rejected';
  user: { id: number | null; username: string };
  file_name: string | null;
  format: string;
  shop_id: number | null;
  received: number;
  inserted: number;
  invalid_rows: number;
  created_at: string;
}

export type SkipReason = 'not_found' | 'sold' | 'blocked' | 'at_another_shop' | 'already_at_shop' | 'already_in_stock';

export interface SkippedSimcard {
  iccid: string | null;
  simcard_id: number | null;
  reason: SkipReason;
  shop_id?: number;
}

export interface AssignResult {
  assigned: number;
  skipped: SkippedSimcard[];
}

export interface UnassignResult {
  unassigned: number;
  skipped: SkippedSimcard[];
}

export type HistoryEvent =
  | { type: 'imported'; at: string; batch_id: string | null }
  | { type: 'assigned' | 'transferred' | 'returned'; at: string; from_shop_id: number | null; to_shop_id: number | null; username: string | null }
  | { type: 'edited'; at: string; changes: Array<{ field: string; from?: unknown; to?: unknown }>; username: string | null }
  | { type: 'status_changed'; at: string; previous_status: string | null; new_status: string | null; source: string };

export interface SimcardHistory {
  simcard_id: number;
  iccid: string;
  events: HistoryEvent[];
}

export interface StatusChangeLog {
  id: number;
  simcard_id: number | null;
  shop_id: number | null;
  iccid: string;
  previous_status: string | null;
  new_status: string | null;
  changed: boolean;
  error_message: string | null;
  source: 'manual' | 'bulk' | 'auto';
  run_id: number | null;
  response_ms: number | null;
  checked_at: string;
}

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  role: 'read' | 'admin';
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export type StatusCounts = Record<SimStatus, number>;

/** GET /statistics (staff: their shop's figures only). */
export interface Statistics {
  scope: { shop_id: number | null };
  simcards: {
    total: number;
    by_status: StatusCounts;
    by_operator: Array<{ operator: string | null; total: number; by_status: StatusCounts }>;
  };
  sold: { today: number; last_7_days: number; last_30_days: number };
  checks: { today: number; errors_today: number };
  last_check_run: Omit<CheckRun, 'eta_seconds'> | null;
  last_completed_check_at: string | null;
  data_stale: boolean | null;
  /** Not in the API yet: a dealer-wide series would replace the sum of shop series. */
  sold_per_day?: DaySales[];
}

export interface DaySales {
  day: string;
  sold: number;
}

/** A row of GET /statistics/shops. */
export interface ShopFigures {
  shop_id: number;
  name: string;
  code: string;
  is_active: boolean;
  assigned: number;
  in_shop: number;
  sold: number;
  /** Percent, one decimal. */
  sell_through: number | null;
  mean_days_to_sale: number | null;
  last_sale_at: string | null;
}

/** GET /shops/{id}/stats. */
export interface ShopStats extends ShopFigures {
  days: number;
  sold_per_day: DaySales[];
}

export const SIM_STATUSES: readonly SimStatus[] = ['in_stock', 'assigned', 'sold', 'blocked'];
