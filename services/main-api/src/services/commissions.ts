/**
 * Commission rules and shop shares: versioned, never edited in place (a change is a new
 * version; the old one stops applying to new sales but stays, named by the sales it priced),
 * every change audited. A sale's commission is computed by the database when the sale is
 * recorded (migration 1701) and kept; `recompute` is the one way to reprice past sales.
 */
import { addDays, dealerDayBounds, NotFoundError, type Principal, ValidationError } from '@simcard/common';
import { commissionsRepository as repo, type Db, limitTransaction, writeTransaction } from '@simcard/db';

/** A recompute's statements may each run this long (a whole month is one UPDATE over its sales). */
const RECOMPUTE_STATEMENT_TIMEOUT_MS = 30 * 60_000;
import { recordAudit } from './audit.js';

export type CommissionRuleRow = repo.CommissionRuleRow;
export type ShareRow = repo.ShareRow;

export interface RuleInput {
  operator: string;
  tariff: string | null;
  amount: number;
  valid_from: string;
  valid_to: string | null;
  note: string | null;
}

export interface ShareInput {
  shop_id: number | null;
  kind: 'percent' | 'fixed';
  value: number;
  valid_from: string;
}

function actor(principal: Principal) {
  return { created_by: principal.userId > 0 ? principal.userId : null, created_by_name: principal.username.slice(0, 120) };
}

export class CommissionsService {
  constructor(
    private readonly db: Db,
    private readonly timeZone: string,
  ) {}

  /** A rule's days as the instants they mean in the dealer's time zone (`to` exclusive: the day after valid_to). */
  #instants(validFrom: string, validTo: string | null): { from_at: string; to_at: string | null } {
    if (validTo !== null && validTo < validFrom) throw ValidationError.field('valid_to', 'must not be before valid_from');
    return {
      from_at: dealerDayBounds(validFrom, this.timeZone).from,
      to_at: validTo === null ? null : dealerDayBounds(addDays(validTo, 1), this.timeZone).from,
    };
  }

  listRules(filter: repo.RuleFilter): Promise<CommissionRuleRow[]> {
    return repo.listRules(this.db, filter);
  }

  async getRule(id: number): Promise<CommissionRuleRow & { uses: number }> {
    const rule = await repo.findRule(this.db, id);
    if (!rule) throw new NotFoundError('Commission rule');
    return { ...rule, uses: await repo.ruleUses(this.db, id) };
  }

  createRule(principal: Principal, input: RuleInput): Promise<CommissionRuleRow> {
    const instants = this.#instants(input.valid_from, input.valid_to);
    return writeTransaction(this.db, async (trx) => {
      const rule = await repo.insertRule(trx, { ...input, ...instants, ...actor(principal) });
      await recordAudit(trx, principal, { action: 'create', entity: 'commission_rule', entityId: rule.id, after: rule });
      return rule;
    });
  }

  /**
   * A change is a new version (same series, version + 1); the old one is deactivated. Past
   * sales keep the amounts they were given: only an explicit recompute reprices them.
   */
  changeRule(principal: Principal, id: number, patch: Partial<RuleInput>): Promise<CommissionRuleRow> {
    return writeTransaction(this.db, async (trx) => {
      const old = await repo.findRule(trx, id);
      if (!old) throw new NotFoundError('Commission rule');
      if (!old.active)
        throw new ValidationError(
          'Only the current version of a rule can be changed',
          [{ field: 'id', reason: `replaced by ${old.replaced_by ?? 'nothing (retired)'}` }],
          'rule_not_current',
        );
      const next: RuleInput = {
        operator: patch.operator ?? old.operator,
        tariff: patch.tariff !== undefined ? patch.tariff : old.tariff,
        amount: patch.amount ?? old.amount,
        valid_from: patch.valid_from ?? old.valid_from,
        valid_to: patch.valid_to !== undefined ? patch.valid_to : old.valid_to,
        note: patch.note !== undefined ? patch.note : old.note,
      };
      const rule = await repo.insertRule(trx, {
        ...next,
        ...this.#instants(next.valid_from, next.valid_to),
        ...actor(principal),
        series_id: old.series_id ?? old.id,
        version: old.version + 1,
      });
      await repo.deactivateRule(trx, old.id, rule.id);
      await recordAudit(trx, principal, { action: 'update', entity: 'commission_rule', entityId: rule.id, before: old, after: rule });
      return rule;
    });
  }

  retireRule(principal: Principal, id: number): Promise<void> {
    return writeTransaction(this.db, async (trx) => {
      const old = await repo.findRule(trx, id);
      if (!old) throw new NotFoundError('Commission rule');
      if (!old.active) return;
      await repo.deactivateRule(trx, id, null);
      await recordAudit(trx, principal, { action: 'delete', entity: 'commission_rule', entityId: id, before: old });
    });
  }

  listShares(includeInactive: boolean): Promise<ShareRow[]> {
    return repo.listShares(this.db, includeInactive);
  }

  /**
   * Sets the dealer-wide share (shop_id null) or one shop's, from a day on. The setting it
   * replaces (same shop, same start day) is deactivated; earlier settings keep applying before it.
   */
  setShare(principal: Principal, input: ShareInput): Promise<ShareRow> {
    if (input.kind === 'percent' && (input.value < 0 || input.value > 100))
      throw ValidationError.field('value', 'a percentage must be between 0 and 100');
    if (input.kind === 'fixed' && !Number.isInteger(input.value))
      throw ValidationError.field('value', "a fixed share is a whole number of so'm");
    const fromAt = dealerDayBounds(input.valid_from, this.timeZone).from;
    return writeTransaction(this.db, async (trx) => {
      const same = (await repo.listShares(trx, false)).find((s) => s.shop_id === input.shop_id && s.valid_from === input.valid_from);
      const share = await repo.insertShare(trx, {
        ...input,
        from_at: fromAt,
        ...actor(principal),
        ...(same ? { series_id: same.series_id ?? same.id, version: same.version + 1 } : {}),
      });
      if (same) await repo.deactivateShare(trx, same.id, share.id);
      await recordAudit(trx, principal, {
        action: same ? 'update' : 'create',
        entity: 'commission_share',
        entityId: share.id,
        before: same ?? null,
        after: share,
      });
      return share;
    });
  }

  retireShare(principal: Principal, id: number): Promise<void> {
    return writeTransaction(this.db, async (trx) => {
      const old = await repo.findShare(trx, id);
      if (!old) throw new NotFoundError('Share setting');
      if (!old.active) return;
      await repo.deactivateShare(trx, id, null);
      await recordAudit(trx, principal, { action: 'delete', entity: 'commission_share', entityId: id, before: old });
    });
  }

  /** Reprices the sales activated on the dealer's days `from`..`to` (inclusive) under the rules now in force. Audited. */
  recompute(
    principal: Principal,
    from: string,
    to: string,
  ): Promise<{ from: string; to: string; before: repo.RecomputeTotals; after: repo.RecomputeTotals }> {
    if (to < from) throw ValidationError.field('to', 'must not be before from');
    const range = { from: dealerDayBounds(from, this.timeZone).from, to: dealerDayBounds(to, this.timeZone).to };
    return writeTransaction(this.db, async (trx) => {
      // A month is hundreds of thousands of sales: longer than the connection's statement limit (PostgreSQL).
      await limitTransaction(trx, RECOMPUTE_STATEMENT_TIMEOUT_MS);
      const { before, after } = await repo.recompute(trx, range.from, range.to);
      await recordAudit(trx, principal, { action: 'recompute', entity: 'sale_commissions', entityId: `${from}..${to}`, before, after });
      return { from, to, before, after };
    });
  }
}
