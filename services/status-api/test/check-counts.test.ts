/**
 * Every check counted (issue 12): runs and single checks keep exact counts of operator calls
 * made, answered, changed and failed, per day, run, source and operator, although a check that
 * changes nothing writes no log row. GET /statistics reads them.
 */
import { Testbed } from './support/testbed.js';

let bed: Testbed;
beforeAll(async () => {
  bed = await Testbed.start();
});
afterAll(() => bed.close());

const sum = async (where: Record<string, unknown>, whereIn?: [string, unknown[]]) => {
  const qb = bed.db('check_counts').where(where);
  if (whereIn) qb.whereIn(whereIn[0], whereIn[1] as string[]);
  const row = (await qb.first(
    bed.db.raw('coalesce(sum(made), 0) as made'),
    bed.db.raw('coalesce(sum(answered), 0) as answered'),
    bed.db.raw('coalesce(sum(changed), 0) as changed'),
    bed.db.raw('coalesce(sum(failed), 0) as failed'),
  )) as Record<string, unknown>;
  return { made: Number(row.made), answered: Number(row.answered), changed: Number(row.changed), failed: Number(row.failed) };
};

test('the counts equal the checks made by a run and by single and bulk checks, changed or not', async () => {
  const shop = await bed.createShop();
  const sims = [];
  for (let i = 0; i < 10; i++) sims.push(await bed.createSim({ shop_id: shop.id, operator: i < 6 ? 'beeline' : 'ucell' }));
  for (const s of sims.slice(0, 3))
    await bed.setSim(s.iccid, { status: 'active', activated_at: new Date(Date.now() - 60_000).toISOString() });

  const run = (await bed.call('POST', `${bed.statusUrl}/check-runs`, {})).body;
  const finished = await bed.waitForRun(run.id);
  expect(finished).toMatchObject({ status: 'completed', done: 10, changed: 3 });

  // By hand: two that change nothing, one that changes, one the operator fails; then a bulk check of two.
  await bed.call('GET', `${bed.statusUrl}/simcards/${sims[5]!.iccid}/status`);
  await bed.call('GET', `${bed.statusUrl}/simcards/${sims[6]!.iccid}/status`);
  await bed.setSim(sims[7]!.iccid, { status: 'blocked' });
  expect((await bed.call('GET', `${bed.statusUrl}/simcards/${sims[7]!.iccid}/status`)).body.check.changed).toBe(true);
  await bed.setProvider({ error_rate: 1 });
  expect((await bed.call('GET', `${bed.statusUrl}/simcards/${sims[8]!.iccid}/status`)).status).toBe(502);
  await bed.setProvider({});
  const bulk = await bed.call('POST', `${bed.statusUrl}/simcards/status`, { iccids: [sims[3]!.iccid, sims[9]!.iccid] });
  expect(bulk.body.checked).toBe(2);

  expect(await sum({ source: 'auto' })).toEqual({ made: 10, answered: 10, changed: 3, failed: 0 });
  expect(await sum({ source: 'auto', run_key: run.id })).toEqual({ made: 10, answered: 10, changed: 3, failed: 0 });
  expect(await sum({}, ['source', ['manual', 'bulk']])).toEqual({ made: 6, answered: 5, changed: 1, failed: 1 });
  expect((await sum({ operator: 'beeline' })).made + (await sum({ operator: 'ucell' })).made).toBe(16);
  // The log keeps changes and failures only: fewer rows than checks.
  const logged = Number(((await bed.db('status_check_logs').count({ n: '*' }).first()) as { n: unknown }).n);
  expect(logged).toBe(3 + 1 + 1);

  const stats = (await bed.call('GET', `${bed.main.url}/statistics`)).body;
  expect(stats.checks).toMatchObject({
    checked_today: 16,
    changed_today: 4,
    failed_today: 1,
    runs_today: { checked: 10, changed: 3, failed: 0 },
    manual_today: { checked: 6, changed: 1, failed: 1 },
  });
  // Staff see the checks of their shop's SIMs.
  const staff = (await bed.call('GET', `${bed.main.url}/statistics`, undefined, await bed.staffToken(shop.id))).body;
  expect(staff.checks.checked_today).toBe(16);
  const other = (await bed.call('GET', `${bed.main.url}/statistics`, undefined, await bed.staffToken((await bed.createShop()).id))).body;
  expect(other.checks.checked_today).toBe(0);
});
