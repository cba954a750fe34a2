/**
 * One timeline for a SIM card, newest first, merged from where each kind of event is recorded:
 * its creation (import), moves (assignment_logs), field edits (simcard_edits) and status changes
 * (status_check_logs). Staff see their own shop's SIMs only (404 otherwise, from `get`), and of
 * those only the time at their shop (`sinceArrival`).
 */
import { type Principal, shopScope } from '@simcard/common';
import { type Db, historyRepository, type SimcardRow, toIso } from '@simcard/db';
import type { SimcardsService } from './simcards.js';

/** Per source; a SIM's life has a handful of events, so this only bounds a pathological one. */
export const HISTORY_LIMIT = 500;

interface Who {
  user_id: number | null;
  username: string | null;
}

export type HistoryEvent =
  | { type: 'imported'; at: string; batch_id: string | null }
  | ({ type: 'assigned' | 'transferred' | 'returned'; at: string; from_shop_id: number | null; to_shop_id: number | null } & Who)
  | ({ type: 'edited'; at: string; changes: historyRepository.FieldChange[] } & Who)
  | { type: 'status_changed'; at: string; previous_status: string | null; new_status: string | null; source: string };

/**
 * What staff of `shopId` see of a timeline (newest first): the import, and everything from the
 * SIM's latest arrival at their shop on. What came before — another shop's edits with their
 * earlier texts, who handled it there, its checks elsewhere — is not theirs to read; the SIM's
 * fields as they are now travel with it. A SIM with no recorded arrival (one created there before
 * moves were logged) was never anywhere else on record: all of it.
 */
export function sinceArrival(events: HistoryEvent[], shopId: number): HistoryEvent[] {
  const arrival = events.findIndex((e) => (e.type === 'assigned' || e.type === 'transferred') && e.to_shop_id === shopId);
  return arrival < 0 ? events : events.filter((e, i) => i <= arrival || e.type === 'imported');
}

export class HistoryService {
  constructor(
    private readonly db: Db,
    private readonly simcards: SimcardsService,
  ) {}

  async timeline(principal: Principal, id: number): Promise<{ simcard: SimcardRow; events: HistoryEvent[] }> {
    const simcard = await this.simcards.get(principal, id);
    const [moves, edits, statusChanges] = await Promise.all([
      historyRepository.movesOf(this.db, id, HISTORY_LIMIT),
      historyRepository.editsOf(this.db, id, HISTORY_LIMIT),
      historyRepository.statusChangesOf(this.db, id, HISTORY_LIMIT),
    ]);
    // Each source comes newest first; `rank` orders events of one millisecond (a SIM created
    // straight into a shop is imported, then assigned, in the same instant).
    const ranked: { event: HistoryEvent; rank: number }[] = [
      { event: { type: 'imported', at: toIso(simcard.created_at)!, batch_id: simcard.batch_id }, rank: 0 },
      ...moves.map((m) => ({
        rank: 1,
        event: {
          type: m.action,
          at: toIso(m.created_at)!,
          from_shop_id: m.from_shop_id,
          to_shop_id: m.to_shop_id,
          user_id: m.user_id,
          username: m.username,
        },
      })),
      ...edits.map((e) => ({
        rank: 1,
        event: { type: 'edited' as const, at: toIso(e.created_at)!, changes: e.changes, user_id: e.user_id, username: e.username },
      })),
      ...statusChanges.map((c) => ({
        rank: 1,
        event: {
          type: 'status_changed' as const,
          at: toIso(c.checked_at)!,
          previous_status: c.previous_status,
          new_status: c.new_status,
          source: c.source,
        },
      })),
    ];
    // A stable sort keeps each source's newest-first order among equal timestamps.
    ranked.sort((a, b) => (a.event.at === b.event.at ? b.rank - a.rank : a.event.at < b.event.at ? 1 : -1));
    const events = ranked.map((r) => r.event);
    const scope = shopScope(principal);
    return { simcard, events: scope === null ? events : sinceArrival(events, scope) };
  }
}
