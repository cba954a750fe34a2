import type { ApiRouter } from '@simcard/common';
import { presentPage } from '../../presenters/core.js';
import {
  presentShopFigures,
  presentShopStats,
  presentStatistics,
  ShopFigures,
  ShopStatsResponse,
  Statistics,
} from '../../presenters/statistics.js';
import { IdParams, listOf } from '../../schemas.js';
import type { StatisticsService } from '../../services/statistics.js';
import { ShopFiguresQuery, ShopStatsQuery, StatisticsQuery } from './statistics.schema.js';

export function statisticsRoutes(api: ApiRouter, statistics: StatisticsService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/statistics',
      tag: 'Statistics',
      summary: 'SIM totals, sales, checks today and the freshness of the checked data (staff: their shop only)',
      access: 'user',
      query: StatisticsQuery,
      responses: { 200: { description: 'The figures', schema: Statistics } },
    },
    async (ctx, { query, principal }) => {
      ctx.body = presentStatistics(await statistics.overview(principal, query.days));
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/statistics/shops',
      tag: 'Statistics',
      summary: 'Per shop: assigned, in the shop, sold, sell-through, days to sale, last sale',
      description: 'A sale counts for the shop that held the SIM when it was sold (from the assignment history). Empty values sort last.',
      access: 'admin',
      query: ShopFiguresQuery,
      responses: { 200: { description: 'A page of shops with their figures', schema: listOf(ShopFigures, 'ShopFiguresList') } },
    },
    async (ctx, { query: { limit, offset, sort } }) => {
      ctx.body = presentPage(await statistics.shops({ limit, offset }, sort), { limit, offset }, presentShopFigures);
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/shops/{id}/stats',
      tag: 'Statistics',
      summary: "One shop's figures and sales per day (staff: their own shop only)",
      access: 'user',
      params: IdParams,
      query: ShopStatsQuery,
      responses: { 200: { description: 'The figures and a series with every day present', schema: ShopStatsResponse } },
    },
    async (ctx, { params, query, principal }) => {
      ctx.body = presentShopStats(await statistics.shop(principal, params.id, query.days));
    },
  );
}
