/**
 * PostgreSQL: a deep page by offset walks an index's entries one by one up to the page, so the
 * list's ids-first statement must be an index-only scan for every sort it allows (reading each
 * entry's row too made a deep page by ICCID 10–20× slower than by any other column).
 */
import { SIMCARD_SORT_COLUMNS, simcardsRepository } from '@simcard/db';
import { testDialect } from '@simcard/db/testing';
import { TestApi } from './support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

const postgresOnly = testDialect() === 'postgres' ? test : test.skip;

postgresOnly('the ids of a deep page come from an index alone (index-only scan) for every sort, ICCID included', async () => {
  const plans = await api.db.transaction(async (trx) => {
    // A test table is small: the planner would rather read it whole; these leave it the indexes.
    for (const setting of ['enable_seqscan', 'enable_sort', 'enable_bitmapscan']) await trx.raw(`set local ${setting} = off`);
    const out: Record<string, string> = {};
    for (const column of SIMCARD_SORT_COLUMNS) {
      // The list's own ids statement for a deep page by this sort.
      const { sql, bindings } = simcardsRepository.listPageIdsStatement(trx, {}, { limit: 51, offset: 500 }, { column, direction: 'desc' });
      const result = (await trx.raw(`explain ${sql}`, bindings)) as {
        rows: Array<{ 'QUERY PLAN': string }>;
      };
      out[column] = result.rows.map((r) => r['QUERY PLAN']).join('\n');
    }
    return out;
  });
  for (const column of SIMCARD_SORT_COLUMNS) expect([column, plans[column]]).toEqual([column, expect.stringContaining('Index Only Scan')]);
});
