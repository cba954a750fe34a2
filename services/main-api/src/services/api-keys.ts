/**
 * API keys (admin only): created with a role, shown once, listed by prefix, revoked. Every
 * change is audited. The lookup used by authentication never caches, so a revoked key is
 * refused from the next request on; it marks `last_used_at` at most once a minute per key.
 */
import { type ApiKeyLookup, type ApiKeyRole, generateApiKey, type Logger, NotFoundError, type Principal } from '@simcard/common';
import { type ApiKeyRow, apiKeysRepository, type Db, type Page, type PageRequest, writeTransaction } from '@simcard/db';
import { recordAudit } from './audit.js';

/** How stale `last_used_at` may get: writing it on every request would be a write per read. */
const TOUCH_INTERVAL_MS = 60_000;

export class ApiKeysService {
  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  /**
   * The new row and the key itself, which is not stored and cannot be shown again. The key acts
   * for `ownerId` (by default the actor): an admin user, whose removal or demotion disables it.
   */
  async create(actor: Principal, input: { name: string; role: ApiKeyRole; ownerId?: number }): Promise<{ row: ApiKeyRow; key: string }> {
    const secret = generateApiKey();
    const row = await writeTransaction(this.db, async (trx) => {
      const inserted = await apiKeysRepository.insert(trx, {
        name: input.name,
        prefix: secret.prefix,
        key_hash: secret.hash,
        role: input.role,
        created_by: input.ownerId ?? actor.userId,
      });
      await recordAudit(trx, actor, { action: 'create', entity: 'api_key', entityId: inserted.id, after: inserted });
      return inserted;
    });
    return { row, key: secret.key };
  }

  list(filter: { activeOnly?: boolean }, page: PageRequest): Promise<Page<ApiKeyRow>> {
    return apiKeysRepository.list(this.db, filter, page);
  }

  /** Revoking twice is harmless (the first time stands); an unknown id is a 404. */
  async revoke(actor: Principal, id: number): Promise<ApiKeyRow> {
    return writeTransaction(this.db, async (trx) => {
      const before = await apiKeysRepository.findById(trx, id);
      if (!before) throw new NotFoundError('API key');
      const after = (await apiKeysRepository.revoke(trx, id))!;
      if (before.revoked_at === null) await recordAudit(trx, actor, { action: 'revoke', entity: 'api_key', entityId: id, before, after });
      return after;
    });
  }

  /** For the Authenticator: the key by its hash, as the database has it now. */
  readonly lookup: ApiKeyLookup = async (keyHash) => {
    const found = await apiKeysRepository.findForAuth(this.db, keyHash);
    if (found && !found.revoked) {
      const last = found.last_used_at ? new Date(found.last_used_at).getTime() : 0;
      if (Date.now() - last > TOUCH_INTERVAL_MS) {
        // Not awaited: bookkeeping must not slow or fail the request it describes.
        apiKeysRepository
          .touch(this.db, found.id)
          .catch((err: unknown) => this.log.warn('could not record API key use', { api_key_id: found.id, error: String(err) }));
      }
    }
    return found;
  };
}
