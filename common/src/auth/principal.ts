import { ForbiddenError } from '../errors.js';

export type Role = 'admin' | 'staff';

/** Who is making the request, as authentication found it (`ctx.state.principal`). */
export interface Principal {
  userId: number;
  username: string;
  role: Role;
  /** The staff member's shop; null for admins. */
  shopId: number | null;
  jti: string;
  expiresAt: Date;
  /** Set when the request came with an API key (which acts for the admin who created it). */
  apiKey?: { id: number; name: string; role: 'read' | 'admin' };
  /** A `read` API key: GET and HEAD only. */
  readOnly?: boolean;
}

export function isAdmin(principal: Principal): boolean {
  return principal.role === 'admin';
}

/** The shop a principal is confined to: null for admins (everything), the shop id for staff. */
export function shopScope(principal: Principal): number | null {
  return principal.role === 'admin' ? null : principal.shopId;
}

export function requireAdmin(principal: Principal): void {
  if (!isAdmin(principal)) throw new ForbiddenError('Only admins may do this');
}
