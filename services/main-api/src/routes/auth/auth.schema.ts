import { z } from 'zod';
import { User } from '../../presenters/core.js';

export const LoginBody = z
  .strictObject({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(256),
  })
  .meta({ id: 'LoginRequest' });

export const LoginResponse = z.object({ token: z.string(), expires_at: z.string(), user: User }).meta({ id: 'LoginResponse' });

export const MeResponse = z.object({ user: User }).meta({ id: 'MeResponse' });
