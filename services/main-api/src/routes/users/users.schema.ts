import { z } from 'zod';
import { booleanQuery, Id, IdString, optionalText, pageQuery, sortQuery } from '../../schemas.js';

const username = z
  .string()
  .trim()
  .regex(/^[a-zA-Z0-9._-]{3,64}$/, 'must be 3-64 letters, digits, dots, dashes or underscores')
  .transform((s) => s.toLowerCase())
  .meta({ description: 'Case-insensitive; stored lower-case' });

const password = z.string().min(8, 'must be at least 8 characters').max(256).meta({ description: 'Write-only; never returned' });

export const UserListQuery = z.strictObject({
  ...pageQuery,
  role: z.enum(['admin', 'staff']).optional(),
  shop_id: IdString.optional(),
  is_active: booleanQuery.optional(),
  q: z.string().trim().max(100).optional().meta({ description: 'Part of the username or full name' }),
  sort: sortQuery(['id', 'username', 'role', 'created_at', 'last_login_at'], 'username'),
});

export const CreateUserBody = z
  .strictObject({
    username,
    password,
    role: z.enum(['admin', 'staff']),
    shop_id: Id.nullish().meta({ description: 'Required for staff, empty for admins' }),
    full_name: optionalText(120),
    is_active: z.boolean().optional(),
  })
  .meta({ id: 'CreateUserRequest' });

export const UpdateUserBody = z
  .strictObject({
    username: username.optional(),
    password: password.optional().meta({ description: 'Resets the password; signs the user out everywhere' }),
    role: z.enum(['admin', 'staff']).optional(),
    shop_id: Id.nullish(),
    full_name: optionalText(120),
    is_active: z.boolean().optional().meta({ description: 'false deactivates the user and revokes their tokens' }),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one field to change')
  .meta({ id: 'UpdateUserRequest', description: 'Only the fields given are changed' });
