import { toIso } from '@simcard/db';
import type { z } from 'zod';
import type { MonthStatements, Payment, ShopStatementResponse } from '../routes/statements/statements.schema.js';
import type { MonthSummary, ShopStatement } from '../services/statements.js';

type PaymentRow = ShopStatement['payments'][number];

export function presentPayment(p: PaymentRow): z.infer<typeof Payment> {
  return {
    id: p.id,
    shop_id: p.shop_id,
    month: p.month,
    amount: p.amount,
    paid_at: toIso(p.paid_at)!,
    paid_by: p.paid_by_name,
    note: p.note,
    created_at: toIso(p.created_at)!,
  };
}

export function presentMonth(m: MonthSummary): z.infer<typeof MonthStatements> {
  return {
    month: m.month,
    time_zone: m.timeZone,
    range: m.range,
    shops: m.shops.map((s) => ({ ...s, is_active: Boolean(s.is_active) })),
    unassigned: m.unassigned,
    by_operator: m.byOperator.map((o) => ({ ...o, net: o.earned - o.share })),
    totals: m.totals,
  };
}

export function presentShopStatement(s: ShopStatement): z.infer<typeof ShopStatementResponse> {
  return {
    month: s.month,
    time_zone: s.timeZone,
    range: s.range,
    shop: s.shop,
    lines: s.lines,
    totals: s.totals,
    payments: s.payments.map(presentPayment),
    paid: s.paid,
    balance: s.balance,
  };
}
