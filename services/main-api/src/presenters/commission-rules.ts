import { toIso } from '@simcard/db';
import type { z } from 'zod';
import type { CommissionRule, CommissionShare } from '../routes/commission-rules/commission-rules.schema.js';
import type { CommissionRuleRow, ShareRow } from '../services/commissions.js';

export function presentRule(r: CommissionRuleRow & { uses?: number }): z.infer<typeof CommissionRule> {
  return {
    id: r.id,
    series_id: r.series_id ?? r.id,
    version: r.version,
    operator: r.operator,
    tariff: r.tariff,
    amount: r.amount,
    valid_from: r.valid_from,
    valid_to: r.valid_to,
    active: Boolean(r.active),
    replaced_by: r.replaced_by,
    note: r.note,
    created_by: r.created_by_name,
    created_at: toIso(r.created_at)!,
    retired_at: toIso(r.retired_at),
    ...(r.uses !== undefined ? { uses: r.uses } : {}),
  };
}

export function presentShare(s: ShareRow): z.infer<typeof CommissionShare> {
  return {
    id: s.id,
    series_id: s.series_id ?? s.id,
    version: s.version,
    shop_id: s.shop_id,
    kind: s.kind,
    value: Number(s.value),
    valid_from: s.valid_from,
    active: Boolean(s.active),
    replaced_by: s.replaced_by,
    created_by: s.created_by_name,
    created_at: toIso(s.created_at)!,
    retired_at: toIso(s.retired_at),
  };
}
