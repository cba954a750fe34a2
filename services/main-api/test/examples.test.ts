/**
 * The sample files in examples/ (as operators send them) import as the README says: every row,
 * with the operator, tariff and price read; the file without check digits with the screen's
 * "ICCIDs have no check digit" option (`check_digit=absent`), and refused without it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TestApi } from './support/harness.js';
import { multipart, postCsv, postImport } from './support/import-helpers.js';

const example = (name: string) => readFileSync(fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url)));

let api: TestApi;
beforeAll(async () => {
  api = await TestApi.start();
});
afterAll(() => api.close());

test('beeline-nakladnaya.csv: Windows-1251, semicolons, Russian headers', async () => {
  const res = await postCsv(api, example('beeline-nakladnaya.csv'));
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ received: 50, inserted: 50, invalid_rows: 0 });
  const sim = await api.db('simcards').where({ batch_id: res.body.batch_id }).orderBy('iccid').first();
  expect(sim).toMatchObject({ operator: 'beeline', tariff: 'Безлимит Плюс', price: 20000, msisdn: '+998903101000' });
});

test('ucell-yuk-xati.xlsx: a workbook with Uzbek headers, uploaded as a file', async () => {
  const { body, contentType } = multipart(
    'ucell-yuk-xati.xlsx',
    example('ucell-yuk-xati.xlsx'),
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  );
  const res = await postImport(api, body, contentType);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ received: 40, inserted: 40, invalid_rows: 0 });
  expect(await api.db('simcards').where({ batch_id: res.body.batch_id }).first()).toMatchObject({ operator: 'ucell', price: 25000 });
});

test('uzmobile-no-check-digit.csv: refused row by row without the option, imported with it', async () => {
  const refused = await postCsv(api, example('uzmobile-no-check-digit.csv'));
  expect(refused.body).toMatchObject({ inserted: 0, invalid_rows: 30 });
  // A stable code and params for the web app to say it in the person's language; English for API clients.
  expect(refused.body.invalid[0]).toMatchObject({ field: 'iccid', code: 'iccid.length', params: { count: 18, hint: 'no_check_digit' } });
  expect(refused.body.invalid[0].reason).toMatch(/The ICCIDs lack their check digit/);
  expect(refused.body.warnings).toContainEqual(
    expect.objectContaining({ code: 'import.check_digit_suspects', params: { count: 30, hint: 'no_check_digit' } }),
  );
  const res = await postCsv(api, example('uzmobile-no-check-digit.csv'), 'check_digit=absent');
  expect(res.body).toMatchObject({ received: 30, inserted: 30, invalid_rows: 0 });
  const sim = await api.db('simcards').where({ batch_id: res.body.batch_id }).first();
  expect(sim.iccid).toHaveLength(19);
  expect(sim.operator).toBe('uzmobile');
});
