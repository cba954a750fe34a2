import { z } from 'zod';
import { booleanQuery, optionalText, pageQuery, sortQuery } from '../../schemas.js';

export const ShopListQuery = z.strictObject({
  ...pageQuery,
  q: z.string().trim().max(100).optional().meta({ description: 'Part of the name or code' }),
  is_active: booleanQuery.optional(),
  sort: sortQuery(['id', 'name', 'code', 'city', 'created_at'], 'name'),
});

const fields = {
  name: z.string().trim().min(1).max(120),
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
  is_active: z.boolean().optional(),
};

export const CreateShopBody = z.strictObject(fields).meta({ id: 'CreateShopRequest' });

export const UpdateShopBody = z
  .strictObject(fields)
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ id: 'UpdateShopRequest', description: 'Only the fields given are changed' });
