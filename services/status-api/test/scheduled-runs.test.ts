/** The auto-check job: a run every AUTO_CHECK_INTERVAL_MIN minutes, none when it is 0. */
import { Testbed } from './support/testbed.js';

async function scheduledRuns(bed: Testbed): Promise<any[]> {
  const page = (await bed.call('GET', `${bed.statusUrl}/check-runs`)).body;
  return page.data.filter((r: any) => r.trigger === 'scheduled');
}

test('with an interval set, runs start by themselves, check the SIMs, and never overlap', async () => {
  // 0.01 minutes: a run every 600 ms.
  const bed = await Testbed.start({ AUTO_CHECK_INTERVAL_MIN: '0.01' });
  try {
    const shop = await bed.createShop();
    const sim = await bed.createSim({ shop_id: shop.id });
    await bed.setSim(sim.iccid, { status: 'active' });
    // Runs may have come and gone before the SIM existed: only the ones started after count.
    const since = Date.now();
    const completedSince = (list: any[]) => list.filter((r) => r.status === 'completed' && Date.parse(r.started_at) > since);
    const deadline = Date.now() + 15_000;
    let runs: any[] = [];
    while (Date.now() < deadline) {
      runs = await scheduledRuns(bed);
      if (completedSince(runs).length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(completedSince(runs).length).toBeGreaterThanOrEqual(2);
    expect((await bed.db('simcards').where({ id: sim.id }).first()).status).toBe('sold');
    // One at a time: no two scheduled runs were ever running together (the database forbids it).
    expect(runs.filter((r) => r.status === 'running').length).toBeLessThanOrEqual(1);
  } finally {
    await bed.close();
  }
});

test('with the interval at 0 (the default) no run starts by itself', async () => {
  const bed = await Testbed.start();
  try {
    await new Promise((r) => setTimeout(r, 1500));
    expect(await scheduledRuns(bed)).toEqual([]);
  } finally {
    await bed.close();
  }
});
