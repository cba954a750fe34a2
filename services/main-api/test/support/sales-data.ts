/**
 * A generated data set for the statistics tests: shops, SIMs with a history of moves, sales
 * spread over 60 days, checks; written straight into the database with knex (fast), and kept
 * in memory so that the tests compute every expected figure independently of the SQL.
 *
 * Seeded: the same seed gives the same data set, so a failure can be replayed.
 */
import { addDays, dealerDayBounds, dealerToday } from '@simcard/common';
import { checkCountsRepository, type Db } from '@simcard/db';
import { makeIccid } from './harness.js';

export const DAY = 86_400_000;

/** mulberry32: a small, seeded pseudo-random generator. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Move {
  at: number;
  from: number | null;
  to: number | null;
  action: 'assigned' | 'transferred' | 'returned';
}

export interface ModelSim {
  id: number;
  iccid: string;
  msisdn: string | null;
  operator: string | null;
  status: 'in_stock' | 'assigned' | 'sold' | 'blocked';
  shopId: number | null;
  assignedAt: number | null;
  soldAt: number | null;
  activatedAt: number | null;
  providerStatus: string | null;
  moves: Move[];
}

export interface ModelLog {
  simId: number;
  iccid: string;
  at: number;
  error: boolean;
}

/** One operator call, changed or not (the check counters count each; only changes and failures are logged). */
export interface ModelCheck {
  simId: number;
  shopId: number | null;
  at: number;
  source: 'auto' | 'manual';
  answered: boolean;
  changed: boolean;
}

export interface SalesData {
  now: number;
  shopIds: number[];
  sims: ModelSim[];
  logs: ModelLog[];
  checks: ModelCheck[];
}

const OPERATORS: Record<string, string[]> = { beeline: ['90', '91'], ucell: ['93', '94'], uzmobile: ['95', '99'] };
const OPERATOR_NAMES = [...Object.keys(OPERATORS), null];
let msisdnCounter = 0;

/** The shop holding the SIM at `at`, from its moves (null: in stock). */
export function holderAt(sim: ModelSim, at: number): { shopId: number | null; since: number | null } | null {
  const before = sim.moves.filter((m) => m.at <= at);
  if (before.length === 0) return null;
  const last = before[before.length - 1]!;
  return { shopId: last.to, since: last.at };
}

/** The shop credited with the sale and when it received the SIM, as the rule says. */
export function credit(sim: ModelSim): { shopId: number | null; since: number | null } | null {
  if (sim.soldAt === null) return null;
  return holderAt(sim, sim.soldAt) ?? { shopId: sim.shopId, since: sim.assignedAt };
}

export async function generateSalesData(db: Db, opts: { seed: number; shops: number; sims: number }): Promise<SalesData> {
  const rnd = random(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const now = Date.now();
  const iso = (t: number) => new Date(t).toISOString();

  const shopIds: number[] = [];
  for (let s = 0; s < opts.shops; s++) {
    const [row] = await db('shops')
      .insert({
        name: `Gen shop ${s}`,
        code: `G${opts.seed}X${s}`,
        is_active: true,
        created_at: iso(now - 100 * DAY),
        updated_at: iso(now),
      })
      .returning('id');
    shopIds.push(typeof row === 'object' ? row.id : row);
  }

  const sims: Omit<ModelSim, 'id'>[] = [];
  for (let i = 0; i < opts.sims; i++) {
    const operator = pick(OPERATOR_NAMES);
    const r = rnd();
    const prefix =
      operator === null
        ? '97'
        : r < 0.85
          ? pick(OPERATORS[operator]!)
          : pick(
              Object.values(OPERATORS)
                .flat()
                .filter((p) => !OPERATORS[operator]!.includes(p)),
            );
    const msisdn = rnd() < 0.1 ? null : `+998${prefix}${String(++msisdnCounter + opts.seed * 100_000).padStart(7, '0')}`;
    const sim: Omit<ModelSim, 'id'> = {
      iccid: makeIccid(),
      msisdn,
      operator,
      status: 'in_stock',
      shopId: null,
      assignedAt: null,
      soldAt: null,
      activatedAt: null,
      providerStatus: rnd() < 0.5 ? null : 'inactive',
      moves: [],
    };
    if (rnd() >= 0.15) {
      // Given to a shop some time in the last 65 days; perhaps transferred, perhaps returned.
      let at = now - (2 + rnd() * 63) * DAY;
      let shop = pick(shopIds);
      sim.moves.push({ at, from: null, to: shop, action: 'assigned' });
      if (rnd() < 0.25) {
        const other = pick(shopIds.filter((s) => s !== shop));
        at += rnd() * (now - at) * 0.5;
        sim.moves.push({ at, from: shop, to: other, action: 'transferred' });
        shop = other;
      }
      let holder: number | null = shop;
      if (rnd() < 0.1) {
        at += rnd() * (now - at) * 0.5;
        sim.moves.push({ at, from: shop, to: null, action: 'returned' });
        holder = null;
      }
      sim.shopId = holder;
      sim.assignedAt = holder === null ? null : at;
      sim.status = holder === null ? 'in_stock' : 'assigned';
      if (rnd() < 0.55) {
        sim.soldAt = at + rnd() * (now - at);
        // The operator's activation time: usually just before the check saw it, sometimes before the SIM reached the shop.
        sim.activatedAt = sim.soldAt - rnd() * 3 * DAY;
        sim.status = rnd() < 0.1 ? 'blocked' : 'sold';
        sim.providerStatus = sim.status === 'sold' ? 'active' : 'blocked';
        if (holder !== null && rnd() < 0.08) {
          // A move recorded after the sale (a correction): the sale still belongs to the seller.
          const other = pick(shopIds.filter((s) => s !== holder));
          const later = sim.soldAt + rnd() * (now - sim.soldAt);
          sim.moves.push({ at: later, from: holder, to: other, action: 'transferred' });
          sim.shopId = other;
          sim.assignedAt = later;
        }
      } else if (rnd() < 0.06) {
        sim.status = 'blocked';
        sim.providerStatus = 'blocked';
      }
    }
    if (sim.soldAt === null && rnd() < 0.04) sim.providerStatus = 'not_found';
    sims.push(sim);
  }

  // SIMs first (without sold_at), then their history, then the sales: the database credits each
  // sale from the history as it is recorded, as it does when the status API records one.
  const created: ModelSim[] = [];
  await db.transaction(async (trx) => {
    for (let i = 0; i < sims.length; i += 200) {
      const chunk = sims.slice(i, i + 200);
      const ids = await trx('simcards')
        .insert(
          chunk.map((s) => ({
            iccid: s.iccid,
            msisdn: s.msisdn,
            operator: s.operator,
            shop_id: s.shopId,
            status: s.status,
            provider_status: s.providerStatus,
            assigned_at: s.assignedAt === null ? null : iso(s.assignedAt),
            activated_at: s.activatedAt === null ? null : iso(s.activatedAt),
            created_at: iso(now - 90 * DAY),
            updated_at: iso(now),
          })),
        )
        .returning('id');
      chunk.forEach((s, j) => {
        const row = ids[j];
        created.push({ ...s, id: typeof row === 'object' ? row.id : row });
      });
    }
    const moves = created.flatMap((s) =>
      s.moves.map((m) => ({
        simcard_id: s.id,
        iccid: s.iccid,
        from_shop_id: m.from,
        to_shop_id: m.to,
        action: m.action,
        created_at: iso(m.at),
      })),
    );
    for (let i = 0; i < moves.length; i += 200) await trx('assignment_logs').insert(moves.slice(i, i + 200));
    for (const s of created)
      if (s.soldAt !== null)
        await trx('simcards')
          .where({ id: s.id })
          .update({ sold_at: iso(s.soldAt) });
  });

  // Checks: some today (a few failed), some in the last days.
  const logs: ModelLog[] = [];
  for (const s of created) {
    if (rnd() < 0.5) continue;
    const at = now - rnd() * 3 * DAY;
    logs.push({ simId: s.id, iccid: s.iccid, at, error: rnd() < 0.2 });
  }
  for (let i = 0; i < logs.length; i += 200) {
    await db('status_check_logs').insert(
      logs.slice(i, i + 200).map((l) => ({
        simcard_id: l.simId,
        iccid: l.iccid,
        previous_status: 'assigned',
        new_status: l.error ? null : 'assigned',
        changed: false,
        error_message: l.error ? 'provider timed out' : null,
        source: 'auto',
        run_id: null,
        response_ms: 12,
        checked_at: iso(l.at),
      })),
    );
  }

  // Every call counted: the logged ones above, and many more that changed nothing (no log row).
  // A generator of its own, so the data set above stays what it was for the same seed.
  const crnd = random(opts.seed * 7919 + 1);
  const checks: ModelCheck[] = logs.map((l) => ({
    simId: l.simId,
    shopId: created.find((s) => s.id === l.simId)!.shopId,
    at: l.at,
    source: 'auto' as const,
    answered: !l.error,
    changed: false,
  }));
  for (const s of created) {
    const n = Math.floor(crnd() * 4);
    for (let k = 0; k < n; k++) {
      const answered = crnd() >= 0.1;
      checks.push({
        simId: s.id,
        shopId: s.shopId,
        at: now - crnd() * 3 * DAY,
        source: crnd() < 0.7 ? 'auto' : 'manual',
        answered,
        changed: answered && crnd() < 0.05,
      });
    }
  }
  const tally = new checkCountsRepository.CheckTally();
  for (const c of checks) {
    tally.add(
      new Date(c.at).toISOString(),
      { operator: null, shopId: c.shopId, source: c.source, runId: null },
      {
        made: 1,
        answered: c.answered ? 1 : 0,
        changed: c.changed ? 1 : 0,
        failed: c.answered ? 0 : 1,
      },
    );
  }
  if (await db.schema.hasTable('check_counts')) await tally.write(db);
  return { now, shopIds, sims: created, logs, checks };
}

/** The dealer's time zone in the tests (TIME_ZONE's default). */
export const TEST_TIME_ZONE = 'Asia/Tashkent';

/** The first instant (the dealer's midnight) of a window of `days` dealer days ending today. */
export function windowStart(now: number, days: number, timeZone = TEST_TIME_ZONE): number {
  return Date.parse(dealerDayBounds(addDays(dealerToday(timeZone, new Date(now)), -(days - 1)), timeZone).from);
}

export interface ExpectedShopFigures {
  shop_id: number;
  assigned: number;
  in_shop: number;
  sold: number;
  sell_through: number | null;
  mean_days_to_sale: number | null;
  last_sale_at: string | null;
}

/** A shop's figures computed from the model alone. */
export function expectedShopFigures(data: SalesData, shopId: number): ExpectedShopFigures {
  const inShop = data.sims.filter((s) => s.shopId === shopId && s.soldAt === null).length;
  const sales = data.sims.filter((s) => credit(s)?.shopId === shopId);
  const sold = sales.length;
  const days = sales.map((s) => (s.soldAt! - credit(s)!.since!) / DAY);
  const last = sales.reduce<number | null>((m, s) => (m === null || s.soldAt! > m ? s.soldAt! : m), null);
  return {
    shop_id: shopId,
    assigned: inShop + sold,
    in_shop: inShop,
    sold,
    sell_through: inShop + sold === 0 ? null : (100 * sold) / (inShop + sold),
    mean_days_to_sale: sold === 0 ? null : days.reduce((a, b) => a + b, 0) / sold,
    last_sale_at: last === null ? null : new Date(last).toISOString(),
  };
}
