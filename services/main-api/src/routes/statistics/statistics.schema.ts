import { SHOP_FIGURE_SORT_COLUMNS } from '@simcard/db';
import { z } from 'zod';
import { pageQuery, sortQuery } from '../../schemas.js';

export const MAX_SERIES_DAYS = 366;

const seriesDays = z.coerce.number().int().min(1).max(MAX_SERIES_DAYS);

/** Staff are scoped by their token, never by a query parameter. */
export const StatisticsQuery = z.strictObject({
  days: seriesDays.optional().meta({
    description: `Also answer sold_per_day over this many days, today included (days in the dealer's time zone, TIME_ZONE); at most ${MAX_SERIES_DAYS}`,
  }),
});

export const ShopFiguresQuery = z.strictObject({
  ...pageQuery,
  sort: sortQuery(SHOP_FIGURE_SORT_COLUMNS, '-sold'),
});

export const ShopStatsQuery = z.strictObject({
  days: seriesDays.default(30).meta({
    description: `Days in the sold-per-day series, today included (the dealer's days, TIME_ZONE); default 30, at most ${MAX_SERIES_DAYS}`,
  }),
});
