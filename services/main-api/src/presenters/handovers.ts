import { toIso } from '@simcard/db';
import type { z } from 'zod';
import type { Handover, HandoverSummary } from '../routes/handovers/handovers.schema.js';
import type { HandoverItem, HandoverRow } from '../services/handovers.js';

export function presentSummary(row: HandoverRow, at = Date.now()): z.infer<typeof HandoverSummary> {
  const created = toIso(row.created_at)!;
  return {
    id: row.id,
    number: row.number ?? '',
    direction: row.direction,
    status: row.status,
    shop_id: row.shop_id,
    shop_name: row.shop_name,
    note: row.note,
    sim_count: row.sim_count,
    missing_count: row.missing_count,
    unexpected_count: row.unexpected_count,
    created_by: { id: row.created_by, username: row.created_by_name },
    created_at: created,
    confirmed_by: row.confirmed_at ? { id: row.confirmed_by, username: row.confirmed_by_name ?? '' } : null,
    confirmed_at: toIso(row.confirmed_at),
    age_seconds: Math.max(0, Math.floor((at - Date.parse(created)) / 1000)),
  };
}

export function presentHandover(doc: { handover: HandoverRow; items: HandoverItem[]; dealer: string }): z.infer<typeof Handover> {
  const listed = doc.items.filter((i) => i.expected);
  return {
    ...presentSummary(doc.handover),
    dealer: doc.dealer,
    simcards: listed.map((i) => ({
      simcard_id: i.simcard_id,
      iccid: i.iccid,
      msisdn: i.msisdn,
      operator: i.operator,
      received: i.received,
    })),
    missing: listed.filter((i) => i.received === false).map((i) => i.iccid),
    unexpected: doc.items.filter((i) => !i.expected).map((i) => ({ iccid: i.iccid, simcard_id: i.simcard_id })),
  };
}
