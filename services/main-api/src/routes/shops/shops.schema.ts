import { nameText } from '@simcard/common';
import { z } from 'zod';
import { booleanQuery, optionalText, pageQuery, sortQuery } from '../../schemas.js';

export const ShopListQuery = z.strictObject({
  ...pageQuery,
  q: z.string().trim().max(100).optional().meta({ description: 'Part of the name or code' }),
  is_active: booleanQuery.optional(),
  sort: sortQuery(['id', 'name', 'code', 'city', 'created_at'], 'name'),
});

const fields = {
  name: nameText(120),
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{2,16}$/, 'must be 2-16 letters, digits, dashes or underscores')
    .transform((s) => s.toUpperCase())
    .meta({ description: 'Short unique code, stored upper-case' }),
  city: optionalText(80),
  region: optionalText(80),
  address: optionalText(255),
  phone: optionalText(32),
  manager_name: optionalText(120),
  // The shop's own daily digest (admins set it; the status API sends it at DIGEST_AT).
  telegram_chat_id: optionalText(64)
    .refine(
      (v) => v === null || v === undefined || /^(-?\d{1,20}|@[A-Za-z0-9_]{5,64})$/.test(v),
      'must be a numeric chat id or @channelname',
    )
    .meta({ description: "The shop's Telegram chat for its daily digest; empty: none" }),
  telegram_language: z.enum(['uz', 'ru']).nullish().meta({ description: "The digest's language (default uz)" }),
  is_active: z.boolean().optional(),
};

export const CreateShopBody = z.strictObject(fields).meta({ id: 'CreateShopRequest' });

export const UpdateShopBody = z
  .strictObject(fields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ id: 'UpdateShopRequest', description: 'Only the fields given are changed' });
