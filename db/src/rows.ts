/** Rows as the drivers return them: SQLite gives 0/1 for booleans and text for timestamps. */
export type DbBoolean = boolean | number;
export type DbTimestamp = string | Date;

export interface ShopRow {
  id: number;
  name: string;
  code: string;
  city: string | null;
  region: string | null;
  address: string | null;
  phone: string | null;
  manager_name: string | null;
  /** The shop's own Telegram chat for its daily digest, and the digest's language (uz, ru); migration 1701. */
  telegram_chat_id?: string | null;
  telegram_language?: string | null;
  is_active: DbBoolean;
  created_at: DbTimestamp;
  updated_at: DbTimestamp;
}

export type Role = 'admin' | 'staff';

export interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  role: Role;
  shop_id: number | null;
  full_name: string | null;
  /** uz, ru or en: the web app's language, kept when the user switches it (migration 1701); null: not chosen yet. */
  language?: string | null;
  is_active: DbBoolean;
  token_version: number;
  last_login_at: DbTimestamp | null;
  created_at: DbTimestamp;
  updated_at: DbTimestamp;
}

export type SimcardStatus = 'in_stock' | 'assigned' | 'sold' | 'blocked';
export type ProviderStatus = 'inactive' | 'active' | 'blocked' | 'not_found';

export interface SimcardRow {
  id: number;
  iccid: string;
  msisdn: string | null;
  operator: string | null;
  tariff: string | null;
  price: number | null;
  batch_id: string | null;
  shop_id: number | null;
  status: SimcardStatus;
  provider_status: ProviderStatus | null;
  activated_at: DbTimestamp | null;
  /** The sale's date: the operator's activation date when it gave a usable one (migration 1201). */
  sold_at: DbTimestamp | null;
  /** When a check first saw the SIM sold. */
  sale_detected_at?: DbTimestamp | null;
  /** Why sold_at is not the operator's activation date; null when it is. */
  sale_date_note?: string | null;
  /** What made the sale: a check (null, as before) or an operator's activation `report` (migration 1501). */
  sale_source?: string | null;
  assigned_at: DbTimestamp | null;
  last_checked_at: DbTimestamp | null;
  last_check_error: string | null;
  notes: string | null;
  created_at: DbTimestamp;
  updated_at: DbTimestamp;
}

export type AssignmentAction = 'assigned' | 'transferred' | 'returned';

export interface AssignmentLogRow {
  id: number;
  simcard_id: number | null;
  iccid: string;
  from_shop_id: number | null;
  to_shop_id: number | null;
  action: AssignmentAction;
  user_id: number | null;
  created_at: DbTimestamp;
}

export interface Page<T> {
  rows: T[];
  total: number;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

/** A sort the route already checked against its whitelist. */
export interface SortRequest<C extends string> {
  column: C;
  direction: 'asc' | 'desc';
}

export type CheckRunStatus = 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted';

export interface CheckRunRow {
  id: number;
  status: CheckRunStatus;
  trigger: 'manual' | 'scheduled';
  include_sold: DbBoolean;
  total: number;
  done: number;
  changed: number;
  errors: number;
  /** SIMs not checked: no provider for their operator, or an operator the run gave up on (migration 1801). */
  skipped: number;
  /** The operators a run is limited to, as a JSON array of slugs; null = all (migration 1801). */
  operators: string | null;
  cursor_simcard_id: number;
  cancel_requested: DbBoolean;
  error_message: string | null;
  created_by: number | null;
  /** The status API instance holding a running run, and when it last said so (issue 18). */
  worker: string | null;
  heartbeat_at: DbTimestamp | null;
  started_at: DbTimestamp;
  finished_at: DbTimestamp | null;
  updated_at: DbTimestamp;
}

export type CheckSource = 'manual' | 'bulk' | 'auto';

export interface StatusCheckLogRow {
  id: number;
  simcard_id: number | null;
  iccid: string;
  previous_status: string | null;
  new_status: string | null;
  changed: DbBoolean;
  error_message: string | null;
  source: CheckSource;
  run_id: number | null;
  response_ms: number | null;
  checked_at: DbTimestamp;
  /** The row that recorded the SIM's first transition into sold: its one sale (migration 1201). */
  sale?: DbBoolean;
}
