/**
 * Two operators with different adapter kinds in one run (issue 15), both played by one simulator
 * process at its own path per operator: Beeline speaks today's JSON contract (`json-v1`), Ucell a
 * batch gateway (`batch-v1`: many ICCIDs per call, its own words and Unix times).
 */
import { startProviderSim } from '@simcard/provider-sim';
import { PROVIDER_TOKEN, Testbed } from './support/testbed.js';

let bed: Testbed;
let sim: Awaited<ReturnType<typeof startProviderSim>>;

beforeAll(async () => {
  sim = await startProviderSim({ port: 0, token: PROVIDER_TOKEN });
  bed = await Testbed.start({
    PROVIDER_BEELINE_URL: `${sim.url}/operators/beeline`,
    PROVIDER_BEELINE_TOKEN: PROVIDER_TOKEN,
    PROVIDER_UCELL_URL: `${sim.url}/operators/ucell`,
    PROVIDER_UCELL_TOKEN: PROVIDER_TOKEN,
    PROVIDER_UCELL_KIND: 'batch-v1',
    PROVIDER_UCELL_BATCH_SIZE: '5',
  });
});
afterAll(async () => {
  await bed.close();
  await sim.close();
});

test("one run checks each operator through its own adapter kind and path, and applies each one's answers", async () => {
  const shop = await bed.createShop();
  const beeline: any[] = [];
  const ucell: any[] = [];
  for (let i = 0; i < 6; i++) beeline.push(await bed.createSim({ shop_id: shop.id, operator: 'beeline' }));
  for (let i = 0; i < 7; i++) ucell.push(await bed.createSim({ shop_id: shop.id, operator: 'ucell' }));
  const activatedAt = '2026-11-30T09:05:00.000Z';
  for (const s of beeline.slice(0, 3)) sim.operator('beeline').set(s.iccid, { status: 'active', msisdn: null, activatedAt });
  for (const s of ucell.slice(0, 4)) sim.operator('ucell').set(s.iccid, { status: 'active', msisdn: '+998931234567', activatedAt });
  sim.operator('ucell').set(ucell[4].iccid, { status: 'blocked', msisdn: null, activatedAt: null });

  const run = await bed.waitForRun((await bed.call('POST', `${bed.statusUrl}/check-runs`, {})).body.id);
  expect(run).toMatchObject({ status: 'completed', total: 13, done: 13, errors: 0, skipped: 0 });
  expect(run.by_operator.find((o: any) => o.operator === 'beeline')).toMatchObject({ done: 6, changed: 3 });
  expect(run.by_operator.find((o: any) => o.operator === 'ucell')).toMatchObject({ done: 7, changed: 5 });

  // Each operator's path was asked about its own SIMs only; nothing went to the simulator's root.
  expect(sim.operator('beeline').snapshotStats().answered.ok).toBe(6);
  expect(sim.operator('ucell').snapshotStats().answered.ok).toBe(7);
  expect(sim.state.snapshotStats().requests).toBe(0);
  // Ucell's gateway took several ICCIDs per call.
  expect(sim.operator('ucell').snapshotStats().requests).toBeLessThan(7);

  const stored = new Map((await bed.db('simcards').where({ shop_id: shop.id })).map((s: any) => [s.iccid, s]));
  for (const s of [...beeline.slice(0, 3), ...ucell.slice(0, 4)]) {
    expect(stored.get(s.iccid)).toMatchObject({ status: 'sold' });
    expect(new Date(stored.get(s.iccid).activated_at).toISOString()).toBe(activatedAt);
  }
  expect(stored.get(ucell[4].iccid)).toMatchObject({ status: 'blocked', provider_status: 'blocked' });
  for (const s of [...beeline.slice(3), ...ucell.slice(5)])
    expect(stored.get(s.iccid)).toMatchObject({ status: 'assigned', provider_status: 'inactive' });
});
