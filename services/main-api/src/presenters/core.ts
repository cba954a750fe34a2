/**
 * What leaves the server. All presenters live in this folder (`presenters/<resource>.ts`); this
 * file holds the shapes several resources share: shops, users, SIM cards, pages. Each presenter's return type is its response schema's, so the
 * OpenAPI document and the JSON cannot drift, and a column such as `password_hash` or
 * `token_version` cannot leak by being added to a table.
 */
import { type ShopRow, type SimcardRow, toIso, type UserRow } from '@simcard/db';
import { z } from 'zod';

const timestamp = z.string().meta({ description: 'ISO-8601 UTC' });

export const Shop = z
  .object({
    id: z.number().int(),
    name: z.string(),
    code: z.string(),
    city: z.string().nullable(),
    region: z.string().nullable(),
    address: z.string().nullable(),
    phone: z.string().nullable(),
    manager_name: z.string().nullable(),
    telegram_chat_id: z.string().nullable().meta({ description: "The shop's own Telegram chat for its daily digest" }),
    telegram_language: z.enum(['uz', 'ru']).nullable(),
    is_active: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Shop' });

export function presentShop(row: ShopRow): z.infer<typeof Shop> {
  return {
    id: row.id,
    name: row.name,
    code: row.code,
    city: row.city,
    region: row.region,
    address: row.address,
    phone: row.phone,
    manager_name: row.manager_name,
    telegram_chat_id: row.telegram_chat_id ?? null,
    telegram_language: row.telegram_language === 'uz' || row.telegram_language === 'ru' ? row.telegram_language : null,
    is_active: Boolean(row.is_active),
    created_at: toIso(row.created_at)!,
    updated_at: toIso(row.updated_at)!,
  };
}

export const User = z
  .object({
    id: z.number().int(),
    username: z.string(),
    role: z.enum(['admin', 'staff']),
    shop_id: z.number().int().nullable(),
    full_name: z.string().nullable(),
    language: z
      .enum(['uz', 'ru', 'en'])
      .nullable()
      .meta({ description: "The user's language in the web app (and of their exports); null: not chosen yet" }),
    is_active: z.boolean(),
    last_login_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'User' });

export function presentUser(row: UserRow): z.infer<typeof User> {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    shop_id: row.shop_id,
    full_name: row.full_name,
    language: row.language === 'uz' || row.language === 'ru' || row.language === 'en' ? row.language : null,
    is_active: Boolean(row.is_active),
    last_login_at: toIso(row.last_login_at),
    created_at: toIso(row.created_at)!,
    updated_at: toIso(row.updated_at)!,
  };
}

export const Simcard = z
  .object({
    id: z.number().int(),
    iccid: z.string(),
    msisdn: z.string().nullable(),
    operator: z.string().nullable(),
    tariff: z.string().nullable(),
    price: z.number().int().nullable(),
    batch_id: z.string().nullable(),
    shop_id: z.number().int().nullable(),
    status: z.enum(['in_stock', 'assigned', 'sold', 'blocked']),
    provider_status: z.enum(['inactive', 'active', 'blocked', 'not_found']).nullable(),
    activated_at: timestamp.nullable(),
    sold_at: timestamp
      .nullable()
      .meta({ description: "The sale's date: the operator's activation date, or the check's time when it gave none usable" }),
    sale_detected_at: timestamp.nullable().meta({ description: 'When a check first saw the SIM sold' }),
    assigned_at: timestamp.nullable(),
    last_checked_at: timestamp.nullable(),
    last_check_error: z.string().nullable(),
    notes: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Simcard' });

export function presentSimcard(row: SimcardRow): z.infer<typeof Simcard> {
  return {
    id: row.id,
    iccid: row.iccid,
    msisdn: row.msisdn,
    operator: row.operator,
    tariff: row.tariff,
    price: row.price,
    batch_id: row.batch_id,
    shop_id: row.shop_id,
    status: row.status,
    provider_status: row.provider_status,
    activated_at: toIso(row.activated_at),
    sold_at: toIso(row.sold_at),
    sale_detected_at: toIso(row.sale_detected_at),
    assigned_at: toIso(row.assigned_at),
    last_checked_at: toIso(row.last_checked_at),
    last_check_error: row.last_check_error,
    notes: row.notes,
    created_at: toIso(row.created_at)!,
    updated_at: toIso(row.updated_at)!,
  };
}

export function presentPage<R, T>(page: { rows: R[]; total: number }, request: { limit: number; offset: number }, present: (row: R) => T) {
  return { data: page.rows.map(present), total: page.total, limit: request.limit, offset: request.offset };
}
