import type { ApiRouter } from '@simcard/common';
import { IdParams } from '../../schemas.js';
import type { HistoryService } from '../../services/history.js';
import { SimcardHistory } from './history.schema.js';

export function historyRoutes(api: ApiRouter, history: HistoryService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/simcards/{id}/history',
      tag: 'SIM cards',
      summary:
        "A SIM card's timeline, newest first: imported, assigned, transferred, returned, edited, status changes (staff: their shop's SIMs, from their latest arrival there)",
      access: 'user',
      params: IdParams,
      responses: { 200: { description: 'The timeline', schema: SimcardHistory } },
    },
    async (ctx, { params, principal }) => {
      const { simcard, events } = await history.timeline(principal, params.id);
      ctx.body = { simcard_id: simcard.id, iccid: simcard.iccid, events };
    },
  );
}
