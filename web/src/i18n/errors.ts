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
  circuit_open: 'error.provider_paused',
  provider_rate_limited: 'error.provider_paused',
  no_provider: 'error.no_provider',
  unknown_operator: 'error.unknown_operator',
  payload_too_large: 'error.too_large',
  unsupported_media_type: 'error.unsupported_file',
  unsupported_file: 'error.unsupported_file',
  wrong_format: 'error.unsupported_file',
  malformed_multipart: 'error.bad_file',
  malformed_xlsx: 'error.bad_file',
  // What is wrong with an import file as a whole: its `file` detail says it precisely.
  truncated_file: 'error.bad_file',
  corrupt_file: 'error.bad_file',
  not_a_workbook: 'error.bad_file',
  encrypted_file: 'error.bad_file',
  invalid_encoding: 'error.bad_file',
  malformed_csv: 'error.bad_file',
  malformed_gzip: 'error.bad_file',
  missing_file: 'error.bad_file',
  xlsx_too_large: 'error.too_large',
  too_many_rows: 'error.too_large',
  too_many_columns: 'error.too_large',
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

/** Reasons by their stable code (import rows and error details carry `code` and `params`). */
export const reasonCodeKeys: Record<string, MessageKey> = {
  'iccid.missing': 'reason.iccid.missing',
  'iccid.excel_mangled': 'reason.iccid.excel_mangled',
  'iccid.not_digits': 'reason.iccid.not_digits',
  'iccid.length': 'reason.iccid.length',
  'iccid.prefix': 'reason.iccid.prefix',
  'iccid.check_digit': 'reason.iccid.check_digit',
  'iccid.length_without_check_digit': 'reason.iccid.length_without_check_digit',
  'msisdn.not_digits': 'reason.msisdn.not_digits',
  'msisdn.not_uzbek': 'reason.msisdn.not_uzbek',
  'msisdn.other_operator': 'reason.msisdn.other_operator',
  'msisdn.taken': 'reason.msisdn.taken',
  'msisdn.repeated_in_file': 'reason.msisdn.repeated_in_file',
  'operator.invalid': 'reason.operator.invalid',
  'operator.not_held': 'reason.operator.not_held',
  'tariff.too_long': 'reason.tariff.too_long',
  'price.invalid': 'reason.price.invalid',
  'price.not_whole': 'reason.price.not_whole',
  'price.too_large': 'reason.price.too_large',
  'import.not_inserted': 'reason.import.not_inserted',
  'import.list_truncated': 'reason.import.list_truncated',
  'import.check_digit_suspects': 'reason.import.check_digit_suspects',
  'import.column_ignored': 'reason.import.column_ignored',
  // Validation details (common/src/http/api-router.ts issueCode); too_small, too_big,
  // invalid_type and invalid_format pick their sentence by their params (validationKey).
  required: 'reason.required',
  unrecognized_key: 'reason.not_accepted',
  invalid_value: 'reason.invalid_value',
  not_in_enum: 'reason.not_in_enum',
  not_multiple_of: 'reason.not_multiple_of',
  custom: 'reason.custom',
  nul_character: 'reason.nul_character',
  // What is wrong with an import file as a whole (services/main-api/src/import/file-problem-codes.ts).
  'file.truncated': 'reason.file.truncated',
  'file.corrupt': 'reason.file.corrupt',
  'file.not_workbook': 'reason.file.not_workbook',
  'file.encrypted': 'reason.file.encrypted',
  'file.xlsx_malformed': 'reason.file.xlsx_malformed',
  'file.xls': 'reason.file.xls',
  'file.xlsx_as_text': 'reason.file.xlsx_as_text',
  'file.not_utf8': 'reason.file.not_utf8',
  'file.csv_unclosed_quote': 'reason.file.csv_unclosed_quote',
  'file.csv_record_too_long': 'reason.file.csv_record_too_long',
  'file.multipart_cut': 'reason.file.multipart_cut',
  'file.multipart_malformed': 'reason.file.multipart_malformed',
  'file.missing': 'reason.file.missing',
  'file.gzip_invalid': 'reason.file.gzip_invalid',
  'file.gzip_bomb': 'reason.file.gzip_bomb',
  'file.cut_short': 'reason.file.cut_short',
  'file.unsupported_type': 'reason.file.unsupported_type',
  'file.unsupported_encoding': 'reason.file.unsupported_encoding',
  'file.too_large': 'reason.file.too_large',
  'file.xlsx_too_large': 'reason.file.xlsx_too_large',
  'file.zip64': 'reason.file.zip64',
  'file.too_many_texts': 'reason.file.too_many_texts',
  'file.too_many_rows': 'reason.file.too_many_rows',
  'file.too_many_columns': 'reason.file.too_many_columns',
  'file.no_iccid_column': 'reason.file.no_iccid_column',
  'file.duplicate_column': 'reason.file.duplicate_column',
  'file.no_date_column': 'reason.file.no_date_column',
};

type Params = Record<string, string | number>;

const boundKeys: Record<'too_small' | 'too_big', Record<string, MessageKey>> = {
  too_small: {
    string: 'reason.too_small.string',
    number: 'reason.too_small.number',
    number_exclusive: 'reason.too_small.number_exclusive',
    array: 'reason.too_small.array',
    other: 'reason.too_small',
  },
  too_big: {
    string: 'reason.too_big.string',
    number: 'reason.too_big.number',
    number_exclusive: 'reason.too_big.number_exclusive',
    array: 'reason.too_big.array',
    other: 'reason.too_big',
  },
};
const typeKeys: Record<string, MessageKey> = {
  number: 'reason.invalid_type.number',
  int: 'reason.invalid_type.int',
  string: 'reason.invalid_type.string',
  boolean: 'reason.invalid_type.boolean',
  array: 'reason.invalid_type.array',
};
const formatKeys: Record<string, MessageKey> = {
  email: 'reason.invalid_format.email',
  date: 'reason.invalid_format.date',
  datetime: 'reason.invalid_format.datetime',
};

/** The sentence of a validation code whose wording depends on its params (a bound of a text, a number or a list). */
function validationKey(code: string, params: Params): MessageKey | undefined {
  if (code === 'too_small' || code === 'too_big') {
    const origin = String(params.origin ?? '');
    const kind =
      origin === 'string'
        ? 'string'
        : origin === 'array' || origin === 'set'
          ? 'array'
          : origin === 'number' || origin === 'int' || origin === 'bigint'
            ? params.exclusive
              ? 'number_exclusive'
              : 'number'
            : 'other';
    return boundKeys[code][kind];
  }
  if (code === 'invalid_type') return typeKeys[String(params.expected)] ?? 'reason.invalid_type';
  if (code === 'invalid_format') return formatKeys[String(params.format)] ?? 'reason.invalid_format';
  return undefined;
}

/** What a reason can be told with: the API's English, and (newer servers) a code and its params. */
export interface Reasoned {
  reason: string;
  code?: string;
  params?: Params;
}

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/**
 * A reason in the page's language: by its code (with the params filled in, and the advice a
 * `hint` names, e.g. to tick "The ICCIDs lack their check digit"), else a known English phrase,
 * else the server's English as a last resort.
 */
export function reasonText(t: Translate, r: Reasoned): string {
  const key = r.code ? (reasonCodeKeys[r.code] ?? validationKey(r.code, r.params ?? {})) : undefined;
  if (key) {
    const { hint, ...params } = r.params ?? {};
    const text = t(key, params);
    return hint === 'no_check_digit' ? `${text}. ${t('reason.hint.no_check_digit', { option: t('import.no_check_digit') })}` : text;
  }
  const known = reasonKeys[r.reason];
  return known ? t(known) : r.reason;
}
