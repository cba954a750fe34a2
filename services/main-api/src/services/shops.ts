/** The rules for shops: staff see their own only; a shop that still holds SIMs or staff stays. */
import { ConflictError, NotFoundError, type Principal, shopScope, ValidationError } from '@simcard/common';
import {
  type Db,
  isUniqueViolation,
  type Page,
  type PageRequest,
  type Queryable,
  type ShopRow,
  type ShopSortColumn,
  shopsRepository,
  type SortRequest,
  writeTransaction,
} from '@simcard/db';
import { recordAudit } from './audit.js';

export type ShopInput = shopsRepository.NewShop;

function duplicateCode(code: string): ConflictError {
  return new ConflictError(`A shop with code ${code} already exists`, [{ field: 'code', reason: 'already exists' }], 'duplicate');
}

/** A SIM may be placed only in a shop that exists and is active (create, edit, assign, import). */
export async function requireActiveShop(db: Queryable, shopId: number): Promise<void> {
  const shop = await shopsRepository.findById(db, shopId);
  if (!shop) throw ValidationError.field('shop_id', `shop ${shopId} does not exist`);
  if (!shop.is_active) throw ValidationError.field('shop_id', `shop ${shopId} is inactive`);
}

export class ShopsService {
  constructor(private readonly db: Db) {}

  list(
    principal: Principal,
    filter: { q?: string; isActive?: boolean },
    page: PageRequest,
    sort: SortRequest<ShopSortColumn>,
  ): Promise<Page<ShopRow>> {
    return shopsRepository.list(this.db, { ...filter, onlyId: shopScope(principal) }, page, sort);
  }

  /** Another shop's id answers 404 to staff, exactly like an id that does not exist. */
  async get(principal: Principal, id: number): Promise<ShopRow> {
    const scope = shopScope(principal);
    const shop = scope === null || scope === id ? await shopsRepository.findById(this.db, id) : undefined;
    if (!shop) throw new NotFoundError('Shop');
    return shop;
  }

  async create(actor: Principal, input: ShopInput): Promise<ShopRow> {
    try {
      return await writeTransaction(this.db, async (trx) => {
        const shop = await shopsRepository.insert(trx, input);
        await recordAudit(trx, actor, { action: 'create', entity: 'shop', entityId: shop.id, after: shop });
        return shop;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateCode(input.code);
      throw err;
    }
  }

  async update(actor: Principal, id: number, patch: Partial<ShopInput>): Promise<ShopRow> {
    try {
      return await writeTransaction(this.db, async (trx) => {
        const before = await shopsRepository.findById(trx, id);
        if (!before) throw new NotFoundError('Shop');
        const shop = (await shopsRepository.update(trx, id, patch))!;
        await recordAudit(trx, actor, { action: 'update', entity: 'shop', entityId: id, before, after: shop });
        return shop;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicateCode(patch.code ?? '');
      throw err;
    }
  }

  /** Refused (409, with the counts) while SIMs or staff still belong to the shop: nothing is lost. */
  async remove(actor: Principal, id: number): Promise<void> {
    await writeTransaction(this.db, async (trx) => {
      const before = await shopsRepository.findById(trx, id);
      if (!before) throw new NotFoundError('Shop');
      const { simcards, users } = await shopsRepository.holdings(trx, id);
      if (simcards > 0 || users > 0) {
        throw new ConflictError(
          `Shop still holds ${simcards} SIM card(s) and ${users} staff user(s); move or remove them first`,
          [{ reason: 'shop_not_empty', simcards, users }],
          'shop_not_empty',
        );
      }
      await shopsRepository.remove(trx, id);
      await recordAudit(trx, actor, { action: 'delete', entity: 'shop', entityId: id, before });
    });
  }
}
