import { toIso } from '@simcard/db';
import { z } from 'zod';
import type { AnomaliesService } from '../services/anomalies.js';
import { presentSimcard, Simcard } from './core.js';

export const AnomalySimcard = Simcard.extend({
  sold_shop_id: z.number().int().nullable().meta({ description: 'The shop credited with the sale' }),
  sold_shop_since: z.string().nullable().meta({ description: 'When that shop received the SIM' }),
}).meta({ id: 'AnomalySimcard' });

type AnomalyRow = Awaited<ReturnType<AnomaliesService['list']>>['rows'][number];

export function presentAnomalySimcard(row: AnomalyRow): z.infer<typeof AnomalySimcard> {
  return {
    ...presentSimcard(row),
    sold_shop_id: row.sold_shop_id === null ? null : Number(row.sold_shop_id),
    sold_shop_since: toIso(row.sold_shop_since),
  };
}
