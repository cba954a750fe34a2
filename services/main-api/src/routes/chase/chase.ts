/** The chase table and the anomaly review marks (admins). */
import type { ApiRouter } from '@simcard/common';
import { ANOMALY_KINDS, toIso } from '@simcard/db';
import { z } from 'zod';
import { IdString, listOf, pageQuery, sortQuery } from '../../schemas.js';
import { AGE_BUCKETS, CHASE_SORT_COLUMNS, type ChaseService } from '../../services/chase.js';

const ChaseQuery = z.strictObject({ ...pageQuery, sort: sortQuery(CHASE_SORT_COLUMNS, '-age_61_plus') });

const count = z.number().int();
export const ChaseRowSchema = z
  .object({
    shop_id: count,
    name: z.string(),
    code: z.string(),
    is_active: z.boolean(),
    assigned: count,
    in_shop: count.meta({ description: 'SIMs on hand, unsold' }),
    sold: count,
    sell_through: z.number().nullable().meta({ description: 'sold / (sold + on hand), percent' }),
    age_0_7: count.meta({ description: 'Unsold SIMs that reached the shop 0-7 days ago' }),
    age_8_30: count,
    age_31_60: count,
    age_61_plus: count.meta({ description: 'Over 60 days' }),
    oldest_assigned_at: z.string().nullable(),
    last_sale_at: z.string().nullable(),
    owed: z.number().int().meta({ description: "The shop's shares over all time minus all payments, so'm" }),
  })
  .meta({ id: 'ChaseRow' });

const Kind = z.enum(ANOMALY_KINDS);
const ReviewParams = z.strictObject({ kind: Kind, id: IdString });
const ReviewBody = z.strictObject({ note: z.string().trim().min(1).max(1000) });
const ReviewsQuery = z.strictObject({
  kind: Kind,
  simcard_ids: z
    .string()
    .regex(/^\d{1,10}(,\d{1,10}){0,499}$/, 'must be up to 500 comma-separated ids')
    .transform((s) => s.split(',').map(Number)),
});

export const AnomalyReview = z
  .object({ id: count, kind: Kind, simcard_id: count, note: z.string(), reviewed_by: z.string(), reviewed_at: z.string() })
  .meta({ id: 'AnomalyReview' });

type ReviewRow = Awaited<ReturnType<ChaseService['review']>>;
const presentReview = (r: ReviewRow): z.infer<typeof AnomalyReview> => ({
  id: r.id,
  kind: r.kind as z.infer<typeof Kind>,
  simcard_id: Number(r.simcard_id),
  note: r.note,
  reviewed_by: r.reviewed_by_name,
  reviewed_at: toIso(r.reviewed_at)!,
});

export function chaseRoutes(api: ApiRouter, chase: ChaseService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/chase',
      tag: 'Statistics',
      summary: 'Per shop: sell-through, SIMs on hand, unsold SIMs by age (0-7, 8-30, 31-60, 60+ days), last sale, money owed; sortable',
      description: `Age buckets: ${AGE_BUCKETS.map((b) => `${b.key} = ${b.min_days}-${b.max_days ?? '…'} days`).join(', ')}. Empty values sort last.`,
      access: 'admin',
      query: ChaseQuery,
      responses: { 200: { description: 'A page of shops', schema: listOf(ChaseRowSchema, 'ChaseList') } },
    },
    async (ctx, { query: { limit, offset, sort } }) => {
      const page = await chase.table(sort, { limit, offset });
      ctx.body = { data: page.rows, total: page.total, limit, offset };
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/anomaly-reviews',
      tag: 'Statistics',
      summary: 'The review marks of some SIMs for one anomaly kind (a page of GET /anomalies/{kind})',
      access: 'admin',
      query: ReviewsQuery,
      responses: { 200: { description: 'The reviews found', schema: z.object({ data: z.array(AnomalyReview) }) } },
    },
    async (ctx, { query }) => {
      ctx.body = { data: (await chase.reviews(query.kind, query.simcard_ids)).map(presentReview) };
    },
  );

  api.endpoint(
    {
      method: 'put',
      path: '/anomalies/{kind}/{id}/review',
      tag: 'Statistics',
      summary: 'Mark an anomalous SIM reviewed, with a note (audited); again: replaces the note',
      access: 'admin',
      params: ReviewParams,
      body: ReviewBody,
      responses: { 200: { description: 'The review', schema: AnomalyReview } },
    },
    async (ctx, { params, body, principal }) => {
      ctx.body = presentReview(await chase.review(principal, params.kind, params.id, body.note));
    },
  );

  api.endpoint(
    {
      method: 'delete',
      path: '/anomalies/{kind}/{id}/review',
      tag: 'Statistics',
      summary: 'Take a review mark back (audited)',
      access: 'admin',
      params: ReviewParams,
      responses: { 204: { description: 'Removed' } },
    },
    async (ctx, { params, principal }) => {
      await chase.unreview(principal, params.kind, params.id);
      ctx.status = 204;
    },
  );
}
