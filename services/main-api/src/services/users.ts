/**
 * The rules for user accounts (admin only): a staff user belongs to exactly one existing shop,
 * an admin to none; the last active admin cannot be removed, demoted or deactivated; a change
 * to role, shop, password or activity revokes the user's older tokens. An admin who is demoted
 * or deactivated loses their API keys for good (revoked, audited): promoting them again later
 * must not silently bring back keys that stopped working meanwhile.
 */
import { ConflictError, hashPassword, NotFoundError, type Principal, ValidationError } from '@simcard/common';
import {
  apiKeysRepository,
  type Db,
  isUniqueViolation,
  type Page,
  type PageRequest,
  type Queryable,
  type Role,
  shopsRepository,
  type SortRequest,
  type UserRow,
  type UserSortColumn,
  usersRepository,
  writeTransaction,
} from '@simcard/db';
import { recordAudit } from './audit.js';

export interface CreateUserInput {
  username: string;
  password: string;
  role: Role;
  shop_id?: number | null | undefined;
  full_name?: string | null | undefined;
  is_active?: boolean | undefined;
}

export type UpdateUserInput = Partial<CreateUserInput>;

function duplicateUsername(username: string): ConflictError {
  return new ConflictError(`Username ${username} is taken`, [{ field: 'username', reason: 'already exists' }], 'duplicate');
}

async function checkShopForRole(db: Queryable, role: Role, shopId: number | null): Promise<void> {
  if (role === 'admin') {
    if (shopId !== null) throw ValidationError.field('shop_id', 'admins do not belong to a shop; leave it empty');
    return;
  }
  if (shopId === null) throw ValidationError.field('shop_id', 'is required for staff users');
  if (!(await shopsRepository.findById(db, shopId))) throw ValidationError.field('shop_id', `shop ${shopId} does not exist`);
}

export class UsersService {
  constructor(
    private readonly db: Db,
    private readonly scryptLog2N: number,
  ) {}

  list(filter: usersRepository.UserFilter, page: PageRequest, sort: SortRequest<UserSortColumn>): Promise<Page<UserRow>> {
    return usersRepository.list(this.db, filter, page, sort);
  }

  async get(id: number): Promise<UserRow> {
    const user = await usersRepository.findById(this.db, id);
    if (!user) throw new NotFoundError('User');
    return user;
  }

  async create(actor: Principal, input: CreateUserInput): Promise<UserRow> {
    const shopId = input.shop_id ?? null;
    await checkShopForRole(this.db, input.role, shopId);
    const password_hash = await hashPassword(input.password, this.scryptLog2N);
    try {
      return await writeTransaction(this.db, async (trx) => {
        const user = await usersRepository.insert(trx, {
          username: input.username,
          password_hash,
          role: input.role,
          shop_id: shopId,
          full_name: input.full_name ?? null,
          is_active: input.is_active ?? true,
        });
        await recordAudit(trx, actor, { action: 'create', entity: 'user', entityId: user.id, after: user });
        return user;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateUsername(input.username);
      throw err;
    }
  }

  async update(actor: Principal, id: number, input: UpdateUserInput): Promise<UserRow> {
    // Hash outside the transaction: it takes a while and needs no lock.
    const password_hash = input.password === undefined ? undefined : await hashPassword(input.password, this.scryptLog2N);
    try {
      return await writeTransaction(this.db, async (trx) => {
        const user = await usersRepository.findById(trx, id);
        if (!user) throw new NotFoundError('User');
        const role = input.role ?? user.role;
        // Becoming an admin drops the shop; otherwise keep it unless a new one is given.
        const shopId = input.shop_id !== undefined ? input.shop_id : role === 'admin' ? null : user.shop_id;
        const isActive = input.is_active ?? Boolean(user.is_active);
        await checkShopForRole(trx, role, shopId);

        const losesAdmin = user.role === 'admin' && Boolean(user.is_active) && (role !== 'admin' || !isActive);
        if (losesAdmin) {
          if (id === actor.userId) throw new ConflictError('You cannot demote or deactivate yourself', undefined, 'self_lockout');
          if ((await usersRepository.countActiveAdmins(trx)) <= 1) {
            throw new ConflictError('At least one active admin must remain', undefined, 'last_admin');
          }
        }
        const revokesTokens =
          role !== user.role || shopId !== user.shop_id || isActive !== Boolean(user.is_active) || password_hash !== undefined;
        const updated = await usersRepository.update(trx, id, {
          ...(input.username !== undefined ? { username: input.username } : {}),
          ...(input.full_name !== undefined ? { full_name: input.full_name } : {}),
          ...(password_hash !== undefined ? { password_hash } : {}),
          role,
          shop_id: shopId,
          is_active: isActive,
          ...(revokesTokens ? { token_version: user.token_version + 1 } : {}),
        });
        if (losesAdmin) {
          for (const key of await apiKeysRepository.revokeAllCreatedBy(trx, id)) {
            const after = await apiKeysRepository.findById(trx, key.id);
            await recordAudit(trx, actor, {
              action: 'revoke',
              entity: 'api_key',
              entityId: key.id,
              before: key,
              after: { ...after, reason: 'owner_lost_admin' },
            });
          }
        }
        // The hash is never logged; that the password changed is.
        await recordAudit(trx, actor, {
          action: 'update',
          entity: 'user',
          entityId: id,
          before: user,
          after: password_hash === undefined ? updated : { ...updated, password_changed: true },
        });
        return updated!;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateUsername(input.username ?? '');
      throw err;
    }
  }

  async remove(actor: Principal, id: number): Promise<void> {
    if (id === actor.userId) throw new ConflictError('You cannot delete your own account', undefined, 'self_lockout');
    await writeTransaction(this.db, async (trx) => {
      const user = await usersRepository.findById(trx, id);
      if (!user) throw new NotFoundError('User');
      if (user.role === 'admin' && user.is_active && (await usersRepository.countActiveAdmins(trx)) <= 1) {
        throw new ConflictError('At least one active admin must remain', undefined, 'last_admin');
      }
      await usersRepository.remove(trx, id);
      await recordAudit(trx, actor, { action: 'delete', entity: 'user', entityId: id, before: user });
    });
  }
}
