/**
 * The demo's data set (`npm start -- --demo`): what a dealer's database looks like after two
 * months, so a newcomer sees full screens at once. Twelve shops across Uzbek cities, 2,400 SIMs of
 * the four operators in batches, two months of hand-outs, transfers, sales and daily check runs,
 * and a few anomalies to chase (SIMs activated before they reached the shop, SIMs sitting
 * unsold for weeks, numbers the operator does not know, a blocked SIM).
 *
 * Written straight into a freshly migrated database (the same rows the API would write; the
 * database's own triggers keep the sale credits, tallies, daily sales and search index), because
 * the API cannot backdate two months of history. Deterministic: the same data every time.
 */
import { appendCheckDigit } from '@simcard/common';
import type { Db } from '@simcard/db';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export const DEMO_SHOPS: ReadonlyArray<{ code: string; name: string; city: string; region: string; manager: string }> = [
  { code: 'TSH-01', name: 'Chilonzor Aloqa', city: 'Toshkent', region: 'Toshkent shahri', manager: 'Dilshod Karimov' },
  { code: 'TSH-02', name: 'Yunusobod Mobile', city: 'Toshkent', region: 'Toshkent shahri', manager: 'Nodira Yusupova' },
  { code: 'TSH-03', name: 'Sergeli Connect', city: 'Toshkent', region: 'Toshkent shahri', manager: 'Bekzod Rahimov' },
  { code: 'SAM-01', name: 'Registon Telecom', city: 'Samarqand', region: 'Samarqand viloyati', manager: 'Aziza Tosheva' },
  { code: 'SAM-02', name: 'Siyob Aloqa', city: 'Samarqand', region: 'Samarqand viloyati', manager: 'Jasur Olimov' },
  { code: 'BUX-01', name: 'Buxoro Sim Markaz', city: 'Buxoro', region: 'Buxoro viloyati', manager: 'Gulnora Saidova' },
  { code: 'AND-01', name: 'Andijon Mobil', city: 'Andijon', region: 'Andijon viloyati', manager: 'Sherzod Qodirov' },
  { code: 'NAM-01', name: 'Namangan Aloqa Servis', city: 'Namangan', region: 'Namangan viloyati', manager: 'Malika Ergasheva' },
  { code: 'FAR-01', name: "Farg'ona Connect", city: "Farg'ona", region: "Farg'ona viloyati", manager: 'Otabek Nazarov' },
  { code: 'NUK-01', name: 'Nukus Telecom', city: 'Nukus', region: "Qoraqalpog'iston", manager: 'Aygul Berdaqova' },
  { code: 'QAR-01', name: 'Qarshi Mobil', city: 'Qarshi', region: 'Qashqadaryo viloyati', manager: 'Rustam Jurayev' },
  { code: 'TER-01', name: 'Termiz Aloqa', city: 'Termiz', region: 'Surxondaryo viloyati', manager: 'Feruza Xolmatova' },
];

const OPERATORS = [
  { name: 'beeline', iccid: '8999801', prefixes: ['90', '91'], price: 20_000, tariffs: ['Milliy 30', 'Oson 20'] },
  { name: 'ucell', iccid: '8999802', prefixes: ['93', '94'], price: 25_000, tariffs: ['Zo‘r 40', 'Ucell Start'] },
  { name: 'uzmobile', iccid: '8999803', prefixes: ['95', '99'], price: 15_000, tariffs: ['Street 25', null] },
  { name: 'mobiuz', iccid: '8999804', prefixes: ['97', '88'], price: 18_000, tariffs: ['Flash 30', null] },
] as const;

export interface DemoSize {
  sims: number;
  days: number;
}

export const DEFAULT_DEMO_SIZE: DemoSize = { sims: 2400, days: 60 };

export interface DemoSummary {
  shops: number;
  simcards: number;
  sold: number;
  checkRuns: number;
}

/** A small seeded PRNG (mulberry32): the same demo every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (t: number) => new Date(t).toISOString();

async function insertAll(db: Db, table: string, rows: Record<string, unknown>[]): Promise<void> {
  // 200 rows × ≤ 20 columns stays far under SQLite's bound-variable limit.
  for (let i = 0; i < rows.length; i += 200) await db(table).insert(rows.slice(i, i + 200));
}

/** Fills a freshly migrated, empty database with the demo (refuses one that already holds SIMs). */
export async function seedDemo(db: Db, now = Date.now(), size: DemoSize = DEFAULT_DEMO_SIZE): Promise<DemoSummary> {
  const existing = await db('simcards').count({ n: '*' }).first();
  if (Number(existing?.n ?? 0) > 0) throw new Error('the demo data goes into an empty database; this one already holds SIM cards');
  const rand = random(20261203);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const start = now - size.days * DAY;

  await db.transaction(async (trx) => {
    await insertAll(
      trx,
      'shops',
      DEMO_SHOPS.map((s, i) => ({
        code: s.code,
        name: s.name,
        city: s.city,
        region: s.region,
        manager_name: s.manager,
        phone: `+99871${String(2_000_000 + i * 13_579).padStart(7, '0')}`,
        address: `${s.city}, ${10 + i} -uy`,
        is_active: true,
        created_at: iso(start - 30 * DAY),
        updated_at: iso(start - 30 * DAY),
      })),
    );
    const shopIds = (await trx('shops').select('id').orderBy('id')).map((r: { id: number }) => Number(r.id));
    // Tashkent's shops sell most; the last shop barely sells (a "slow shop" on the dashboard).
    const weight = shopIds.map((_, i) => (i < 3 ? 3 : i === shopIds.length - 1 ? 0.4 : 1.5));
    const totalWeight = weight.reduce((a, b) => a + b, 0);
    const pickShop = () => {
      let r = rand() * totalWeight;
      for (let i = 0; i < shopIds.length; i++) if ((r -= weight[i]!) < 0) return i;
      return shopIds.length - 1;
    };
    const sellRate = shopIds.map((_, i) => (i === shopIds.length - 1 ? 0.1 : i < 3 ? 0.7 : 0.55));

    const sims: Record<string, unknown>[] = [];
    const moves: { iccid: string; from: number | null; to: number; action: string; at: number }[] = [];
    const sales: { iccid: string; at: number }[] = [];
    for (let i = 0; i < size.sims; i++) {
      const op = OPERATORS[i % OPERATORS.length]!;
      const serial = String(260_000_000 + i).padStart(11, '0');
      const iccid = appendCheckDigit(`${op.iccid}${serial}`);
      const batchNo = Math.floor(i / (size.sims / 12));
      const created = start - 5 * DAY + (batchNo / 12) * (size.days - 3) * DAY;
      const msisdn = rand() < 0.9 ? `+998${op.prefixes[i % 2]}${String(1_000_000 + ((i * 7_919) % 2_000_000)).padStart(7, '0')}` : null;
      let shopIndex: number | null = null;
      let assignedAt: number | null = null;
      let status = 'in_stock';
      let providerStatus: string | null = null;
      let soldAt: number | null = null;
      let activatedAt: number | null = null;
      if (rand() >= 0.15 && created < now - 2 * DAY) {
        shopIndex = pickShop();
        assignedAt = created + (0.5 + rand() * 3) * DAY;
        if (assignedAt > now - 2 * HOUR) assignedAt = now - HOUR * (2 + rand() * 20);
        status = 'assigned';
        providerStatus = 'inactive';
        moves.push({ iccid, from: null, to: shopIds[shopIndex]!, action: 'assigned', at: assignedAt });
        if (rand() < 0.08) {
          // Moved to a busier shop a few days later.
          const to = (shopIndex + 1) % shopIds.length;
          assignedAt = Math.min(now - 2 * HOUR, assignedAt + (1 + rand() * 5) * DAY);
          moves.push({ iccid, from: shopIds[shopIndex]!, to: shopIds[to]!, action: 'transferred', at: assignedAt });
          shopIndex = to;
        }
        if (rand() < sellRate[shopIndex]!) {
          soldAt = assignedAt + HOUR + rand() ** 2 * Math.max(0, Math.min(25 * DAY, now - assignedAt - 2 * HOUR));
          // Activated in the shop: after it arrived, shortly before the operator reported it.
          activatedAt = Math.max(assignedAt + 10 * 60_000, soldAt - rand() * 6 * HOUR);
          status = 'sold';
          providerStatus = 'active';
        }
      }
      sims.push({
        iccid,
        msisdn,
        operator: op.name,
        tariff: pick(op.tariffs),
        price: op.price,
        batch_id: `${op.name.toUpperCase().slice(0, 3)}-${new Date(created).toISOString().slice(0, 7)}-${String.fromCharCode(65 + (batchNo % 3))}`,
        shop_id: shopIndex === null ? null : shopIds[shopIndex],
        status,
        provider_status: providerStatus,
        activated_at: activatedAt === null ? null : iso(activatedAt),
        sold_at: soldAt === null ? null : iso(soldAt),
        sale_detected_at: soldAt === null ? null : iso(Math.min(now, soldAt + rand() * 20 * HOUR)),
        assigned_at: assignedAt === null ? null : iso(assignedAt),
        last_checked_at: assignedAt === null ? null : iso(now - rand() * DAY),
        created_at: iso(created),
        updated_at: iso(soldAt ?? assignedAt ?? created),
      });
      if (soldAt !== null) sales.push({ iccid, at: soldAt });
    }
    // The anomalies a dealer chases. Activated before they reached the shop (sold by someone else):
    for (const sim of sims.filter((s) => s.status === 'sold').slice(5, 9)) {
      sim.activated_at = iso(Date.parse(sim.assigned_at as string) - 3 * DAY);
    }
    // Numbers the operator does not know, and a blocked SIM:
    for (const sim of sims.filter((s) => s.status === 'assigned').slice(0, 3)) sim.provider_status = 'not_found';
    const blocked = sims.find((s) => s.status === 'assigned' && s.provider_status === 'inactive');
    if (blocked)
      Object.assign(blocked, { status: 'blocked', provider_status: 'blocked', notes: 'Operator blocked it: lost by the customer' });
    await insertAll(trx, 'simcards', sims);

    const idOf = new Map<string, number>();
    for (const r of await trx('simcards').select('id', 'iccid')) idOf.set(r.iccid as string, Number(r.id));
    await insertAll(
      trx,
      'assignment_logs',
      moves.map((m) => ({
        simcard_id: idOf.get(m.iccid),
        iccid: m.iccid,
        from_shop_id: m.from,
        to_shop_id: m.to,
        action: m.action,
        created_at: iso(m.at),
      })),
    );

    // One scheduled check run a day; each finds the sales since the previous one.
    const runs: Record<string, unknown>[] = [];
    // The last one finished a moment ago: the demo's data is fresh, not "stale" on arrival.
    for (let d = size.days - 1; d >= 0; d--) {
      const started = now - d * DAY - 2 * 60_000;
      const finished = started + 90_000;
      runs.push({
        status: d === 17 ? 'failed' : 'completed',
        trigger: 'scheduled',
        total: 0,
        done: 0,
        changed: 0,
        errors: 0,
        started_at: iso(started),
        finished_at: iso(finished),
        updated_at: iso(finished),
        ...(d === 17 ? { error_message: 'The operator did not answer for 10 minutes' } : {}),
      });
    }
    await insertAll(trx, 'check_runs', runs);
    const runRows = (await trx('check_runs').select('id', 'started_at').orderBy('id')) as { id: number; started_at: string | Date }[];
    const runAt = runRows.map((r) => ({ id: Number(r.id), at: new Date(r.started_at).getTime(), changed: 0, errors: 0 }));
    const logs: Record<string, unknown>[] = [];
    for (const sale of sales) {
      const run = runAt.find((r) => r.at >= sale.at);
      if (!run) continue;
      run.changed++;
      logs.push({
        simcard_id: idOf.get(sale.iccid),
        iccid: sale.iccid,
        previous_status: 'assigned',
        new_status: 'sold',
        changed: true,
        sale: true,
        source: 'auto',
        run_id: run.id,
        response_ms: 40 + Math.floor(rand() * 300),
        checked_at: iso(run.at + rand() * 80_000),
      });
    }
    // A few operator time-outs in the failed run.
    const failed = runAt[runAt.length - 17];
    if (failed) {
      // Unsold SIMs only: a SIM appears once per run, and the sold ones already have their line.
      for (const sim of sims.filter((s) => s.status === 'assigned').slice(10, 22)) {
        const iccid = sim.iccid as string;
        failed.errors++;
        logs.push({
          simcard_id: idOf.get(iccid),
          iccid,
          previous_status: 'assigned',
          new_status: null,
          changed: false,
          sale: false,
          source: 'auto',
          run_id: failed.id,
          error_message: 'provider timed out',
          response_ms: 10_000,
          checked_at: iso(failed.at + 60_000),
        });
      }
    }
    await insertAll(trx, 'status_check_logs', logs);
    const assignedBy = (t: number) => moves.filter((m) => m.action === 'assigned' && m.at <= t).length;
    for (const run of runAt) {
      const total = Math.max(run.changed, assignedBy(run.at) - sales.filter((s) => s.at < run.at - DAY).length);
      await trx('check_runs').where({ id: run.id }).update({ total, done: total, changed: run.changed, errors: run.errors });
    }
  });
  const sold = countOf(await db('simcards').where({ status: 'sold' }).count({ n: '*' }).first());
  return { shops: DEMO_SHOPS.length, simcards: size.sims, sold, checkRuns: size.days };
}

function countOf(row: { n?: unknown } | undefined): number {
  return Number(row?.n ?? 0);
}
