/**
 * A batch of a run's answers written together (issue 14): one UPDATE for the SIMs unchanged since
 * they were read, one INSERT for their log rows. A SIM changed meanwhile, or twice in the batch,
 * is applied by itself after them: each SIM is logged once per run, the run's counters equal its
 * log rows, and every operator call is counted.
 */
import { silentLogger } from '@simcard/common';
import { checkCountsRepository, checkRunsRepository, type SimcardRow, simcardsRepository } from '@simcard/db';
import { useMigratedDatabase } from '../../../db/test/support/migrated-database.js';
import type { ProviderAnswer } from '../src/provider/provider.js';
import type { ProviderRouting } from '../src/provider/routing.js';
import { Checker } from '../src/services/checker.js';

const state = useMigratedDatabase();
const db = () => state.dbs[0]!;

async function sim(iccid: string): Promise<SimcardRow> {
  return simcardsRepository.insert(db(), {
    iccid,
    msisdn: null,
    operator: 'ucell',
    tariff: null,
    price: null,
    batch_id: null,
    shop_id: null,
    status: 'in_stock',
    assigned_at: null,
    notes: null,
  });
}

test("a batch's answers: each SIM logged once per run, a stale read applied to the SIM as it is now, counters equal rows", async () => {
  // Every answer waits for the last call: they reach the writer together, in one batch.
  let release!: () => void;
  const together = new Promise<void>((r) => (release = r));
  let calls = 0;
  const provider = {
    async check(iccid: string): Promise<ProviderAnswer> {
      if (++calls === 4) release();
      await together;
      return { status: iccid.endsWith('3') ? 'inactive' : 'blocked', msisdn: null, activatedAt: null, responseMs: 1 };
    },
  };
  const routing = { forOperator: () => ({ key: '*', provider, concurrency: 10 }) } as unknown as ProviderRouting;
  const checker = new Checker(db(), routing, silentLogger);
  const run = (await checkRunsRepository.insertRunning(db(), { trigger: 'manual', include_sold: false, total: 3, created_by: null }))!;
  const a = await sim('8999800000000000001');
  const b = await sim('8999800000000000002');
  const c = await sim('8999800000000000003');
  // b is blocked by someone else after the run read it: its answer goes to the SIM as it is now (no change to log).
  await new Promise((r) => setTimeout(r, 5));
  await simcardsRepository.update(db(), b.id, { status: 'blocked', provider_status: 'blocked' });

  const results = await Promise.all([a, a, b, c].map((s) => checker.check(s, 'auto', run.id)));
  expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
  // a: blocked, logged once although checked twice; b: already blocked, not logged; c: inactive, no change.
  expect(results.map((r) => r.ok && r.logged)).toEqual([true, false, false, false]);
  expect(results.map((r) => r.simcard.status)).toEqual(['blocked', 'blocked', 'blocked', 'in_stock']);
  expect(await simcardsRepository.findById(db(), c.id)).toMatchObject({ provider_status: 'inactive', last_check_error: null });

  const logs = await db()('status_check_logs').where({ run_id: run.id });
  expect(logs.map((l) => Number(l.simcard_id))).toEqual([a.id]);
  expect((await checkRunsRepository.findById(db(), run.id))!.changed).toBe(logs.length);
  expect(await checkCountsRepository.totals(db(), { runId: run.id })).toEqual({ made: 4, answered: 4, changed: 1, failed: 0 });
});

test('what a batched check answers of its SIM is the row as stored, whether the answer changed the SIM or kept it', async () => {
  const answers = new Map<string, ProviderAnswer['status']>();
  const provider = {
    async check(iccid: string): Promise<ProviderAnswer> {
      return { status: answers.get(iccid)!, msisdn: null, activatedAt: null, responseMs: 1 };
    },
  };
  const routing = { forOperator: () => ({ key: '*', provider, concurrency: 10 }) } as unknown as ProviderRouting;
  const checker = new Checker(db(), routing, silentLogger);
  const kept = await sim('8999800000000000011');
  const blocked = await sim('8999800000000000012');
  answers.set(kept.iccid, 'inactive');
  answers.set(blocked.iccid, 'inactive');
  // First checks: provider_status was null, so both answers are written in full.
  const first = await Promise.all([kept, blocked].map((s) => checker.check(s, 'manual', null)));
  for (const r of first) expect(r.simcard).toEqual(await simcardsRepository.findById(db(), r.simcard.id));
  // Again, from the rows as stored: `kept` hears the same (only its check time is written), `blocked` is blocked now.
  answers.set(blocked.iccid, 'blocked');
  await new Promise((r) => setTimeout(r, 5));
  const again = await Promise.all(first.map((r) => checker.check(r.simcard, 'manual', null)));
  expect(again.map((r) => r.ok)).toEqual([true, true]);
  for (const r of again) expect(r.simcard).toEqual(await simcardsRepository.findById(db(), r.simcard.id));
  expect(again.map((r) => [r.simcard.status, r.simcard.provider_status])).toEqual([
    ['in_stock', 'inactive'],
    ['blocked', 'blocked'],
  ]);
  expect(new Date(again[0]!.simcard.last_checked_at!).getTime()).toBeGreaterThan(new Date(first[0]!.simcard.last_checked_at!).getTime());
  expect(new Date(again[0]!.simcard.updated_at).getTime()).toBeGreaterThan(new Date(first[0]!.simcard.updated_at).getTime());
});
