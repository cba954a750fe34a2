import type { ApiRouter } from '@simcard/common';
import { type anomaliesRepository, ANOMALY_KINDS, toIso } from '@simcard/db';
import { z } from 'zod';
import { AnomalySimcard, presentAnomalySimcard } from '../../presenters/anomalies.js';
import { presentPage } from '../../presenters/core.js';
import { listOf, pageQuery } from '../../schemas.js';
import type { AnomaliesService } from '../../services/anomalies.js';

const KIND_DESCRIPTIONS = {
  activated_in_stock: 'Sold while no shop held it (in stock, or returned before the sale)',
  activated_before_assignment: "The operator's activation date is before the SIM reached the shop credited with the sale",
  stale_assigned: 'Assigned to a shop for longer than STALE_DAYS and not sold',
  unknown_to_provider: 'The operator does not know the ICCID (provider_status not_found)',
  operator_prefix_mismatch: "The number's prefix belongs to another operator than the SIM's (numbers can be ported: a hint)",
} as const;

const Kind = z.enum(ANOMALY_KINDS).meta({
  description: Object.entries(KIND_DESCRIPTIONS)
    .map(([k, d]) => `${k}: ${d}`)
    .join('; '),
});

export const AnomalyListParams = z.strictObject({ kind: Kind });
export const AnomalyListQuery = z.strictObject({ ...pageQuery });

const count = z.number().int();
export const AnomalySummary = z
  .object({
    stale_days: z.number().int(),
    counts: z.object(
      Object.fromEntries(ANOMALY_KINDS.map((k) => [k, count.meta({ description: KIND_DESCRIPTIONS[k] })])) as Record<
        (typeof ANOMALY_KINDS)[number],
        typeof count
      >,
    ),
    age_buckets: z.array(z.object({ min_days: z.number().int(), max_days: z.number().int().nullable() })),
    stale_by_shop: z.array(
      z.object({
        shop_id: z.number().int(),
        name: z.string(),
        code: z.string(),
        total: z.number().int(),
        buckets: z.array(z.number().int()).meta({ description: 'Counts per age_buckets entry, in the same order' }),
        oldest_assigned_at: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'AnomalySummary' });

export function anomalyRoutes(api: ApiRouter, anomalies: AnomaliesService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/anomalies',
      tag: 'Statistics',
      summary: 'How many SIMs of each anomaly kind, and unsold SIMs per shop by age',
      access: 'admin',
      responses: { 200: { description: 'The counts and the ageing table', schema: AnomalySummary } },
    },
    async (ctx) => {
      const s = await anomalies.summary();
      const body: z.infer<typeof AnomalySummary> = {
        stale_days: s.staleDays,
        counts: s.counts,
        age_buckets: s.buckets,
        stale_by_shop: s.staleByShop.map((r: anomaliesRepository.StaleBucketsRow) => ({
          ...r,
          oldest_assigned_at: toIso(r.oldest_assigned_at),
        })),
      };
      ctx.body = body;
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/anomalies/{kind}',
      tag: 'Statistics',
      summary: 'The SIMs of one anomaly kind',
      access: 'admin',
      params: AnomalyListParams,
      query: AnomalyListQuery,
      responses: { 200: { description: 'A page of SIM cards', schema: listOf(AnomalySimcard, 'AnomalySimcardList') } },
    },
    async (ctx, { params, query: { limit, offset } }) => {
      ctx.body = presentPage(await anomalies.list(params.kind, { limit, offset }), { limit, offset }, presentAnomalySimcard);
    },
  );
}
