/**
 * API errors in words a person understands: the error code (or, failing that, the HTTP status)
 * picks a translated sentence; the server's English message is never shown as the main text.
 */
import { ApiError } from '../api/client';
import type { MessageKey } from './uz';

const byCode: Record<string, MessageKey> = {
  invalid_credentials: 'error.invalid_credentials',
  token_expired: 'error.session_expired',
  token_revoked: 'error.session_expired',
  invalid_token: 'error.session_expired',
  unauthorized: 'error.session_expired',
  forbidden: 'error.forbidden',
  not_found: 'error.not_found',
  validation_failed: 'error.validation',
  malformed_json: 'error.validation',
  malformed_body: 'error.validation',
  duplicate: 'error.duplicate',
  conflict: 'error.conflict',
  last_admin: 'error.last_admin',
  self_lockout: 'error.self_lockout',
  not_movable: 'error.not_movable',
  sold: 'error.sold',
  run_in_progress: 'error.run_running',
  not_running: 'error.not_running',
  not_resumable: 'error.not_running',
  insufficient_stock: 'error.insufficient_stock',
  shop_not_empty: 'error.shop_not_empty',
  idempotency_in_progress: 'error.conflict',
  status_api_unavailable: 'error.status_api',
  service_unavailable: 'error.unavailable',
  provider_timeout: 'error.provider_timeout',
  provider_error: 'error.provider',
  provider_bad_answer: 'error.provider',
  provider_unavailable: 'error.provider',
  payload_too_large: 'error.too_large',
  unsupported_media_type: 'error.unsupported_file',
  unsupported_file: 'error.unsupported_file',
  wrong_format: 'error.unsupported_file',
  malformed_multipart: 'error.bad_file',
  malformed_xlsx: 'error.bad_file',
  empty_import: 'error.empty_import',
  rate_limited: 'error.rate_limited',
  invalid_api_key: 'error.session_expired',
  api_key_revoked: 'error.session_expired',
  network_error: 'error.network',
};

const byStatus: Record<number, MessageKey> = {
  400: 'error.validation',
  401: 'error.session_expired',
  403: 'error.forbidden',
  404: 'error.not_found',
  409: 'error.conflict',
  413: 'error.too_large',
  415: 'error.unsupported_file',
  422: 'error.validation',
  429: 'error.rate_limited',
  502: 'error.provider',
  503: 'error.unavailable',
  504: 'error.provider_timeout',
};

export function errorKey(err: unknown): MessageKey {
  if (err instanceof ApiError) {
    const key = byCode[err.code] ?? byStatus[err.status] ?? (err.status >= 500 ? 'error.unavailable' : undefined);
    if (key) return key;
  }
  return 'error.unknown';
}

/** Field names the API uses, for "which field" in a validation error. */
export const fieldKeys: Record<string, MessageKey> = {
  iccid: 'field.iccid',
  msisdn: 'field.msisdn',
  operator: 'field.operator',
  tariff: 'field.tariff',
  price: 'field.price',
  batch_id: 'field.batch',
  shop_id: 'field.shop',
  notes: 'field.notes',
  name: 'field.name',
  code: 'field.code',
  city: 'field.city',
  region: 'field.region',
  address: 'field.address',
  phone: 'field.phone',
  manager_name: 'field.manager',
  username: 'field.username',
  password: 'field.password',
  role: 'field.role',
  full_name: 'field.full_name',
  file: 'field.file',
  from: 'field.from',
  to: 'field.to',
  count: 'field.count',
};

/** Common reasons, translated; anything else is shown as the server wrote it. */
export const reasonKeys: Record<string, MessageKey> = {
  'already exists': 'reason.exists',
  'is not an accepted field': 'reason.not_accepted',
  Required: 'reason.required',
};
