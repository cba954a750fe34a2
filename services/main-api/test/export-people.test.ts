/**
 * The SIM export for people: headers and statuses per language, dates as Excel dates in the
 * dealer's time zone, widths, autofilter, frozen header, sheet name; CSV with `;` and a BOM for
 * uz/ru; the user's language as the default; raw=true keeps the API dump.
 */
import ExcelJS from 'exceljs';
import { TestApi } from './support/harness.js';

let api: TestApi;
let batch: string;

beforeAll(async () => {
  api = await TestApi.start();
  const shop = await api.createShop({ name: 'Yunusobod; markaz' });
  batch = `people-${process.pid}`;
  const sold = await api.createSimcard({ batch_id: batch, operator: 'beeline', shop_id: shop.id });
  // Sold at 20:30 UTC on 30 November: 01:30 on 1 December in Tashkent.
  await api.db('simcards').where({ id: sold.id }).update({ status: 'sold', sold_at: '2026-11-30T20:30:00.000Z' });
  await api.createSimcard({ batch_id: batch, operator: 'ucell' });
});

afterAll(async () => {
  await api?.close();
});

async function download(query: string, token = api.adminToken): Promise<Buffer> {
  const res = await fetch(`${api.url}/simcards/export?batch_id=${batch}&${query}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function workbook(query: string): Promise<ExcelJS.Worksheet> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await download(query)) as never);
  return wb.worksheets[0]!;
}

describe('XLSX for people', () => {
  test.each([
    ['ru', 'SIM-карты', 'Продана', 'Статус', 'Магазин'],
    ['uz', 'SIM-kartalar', 'Sotilgan', 'Holati', 'Doʻkon'],
    ['en', 'SIM cards', 'Sold', 'Status', 'Shop'],
  ])('%s: sheet name, headers and status names in the language', async (lang, sheetName, soldName, statusHeader, shopHeader) => {
    const sheet = await workbook(`format=xlsx&lang=${lang}`);
    expect(sheet.name).toBe(sheetName);
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toContain(statusHeader);
    expect(header).toContain(shopHeader);
    const statusCol = header.indexOf(statusHeader) + 1;
    const statuses = [sheet.getRow(2).getCell(statusCol).value, sheet.getRow(3).getCell(statusCol).value];
    expect(statuses).toContain(soldName);
  });

  test('dates are Excel dates showing the Tashkent wall clock; widths, autofilter and a frozen header', async () => {
    const sheet = await workbook('format=xlsx&lang=en');
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const soldCol = header.indexOf('Sold') + 1;
    const soldRow = [2, 3].find((r) => sheet.getRow(r).getCell(soldCol).value !== null)!;
    const cell = sheet.getRow(soldRow).getCell(soldCol);
    expect(cell.value).toBeInstanceOf(Date);
    expect((cell.value as Date).toISOString()).toBe('2026-12-01T01:30:00.000Z');
    expect(cell.numFmt).toMatch(/yy.*mm.*dd|dd.*mm.*yy/);
    expect(sheet.getColumn(header.indexOf('ICCID') + 1).width).toBeGreaterThanOrEqual(20);
    expect(sheet.autoFilter).toBeTruthy();
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });
});

describe('CSV for people', () => {
  test('uz and ru: a BOM, semicolons, translated headers, local dates', async () => {
    const file = await download('format=csv&lang=ru');
    expect(file.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = file.subarray(3).toString('utf8').trim().split('\r\n');
    expect(lines[0]!.split(';')).toContain('Номер телефона');
    expect(lines[0]).not.toContain(',');
    const sold = lines.slice(1).find((l) => l.includes('Продана'))!;
    expect(sold).toContain('2026-12-01 01:30');
    // A value holding the separator is quoted.
    expect(sold).toContain('"Yunusobod; markaz"');
  });

  test('en: commas; ?delimiter= overrides', async () => {
    const en = (await download('format=csv&lang=en')).subarray(3).toString('utf8');
    expect(en.split('\r\n')[0]).toMatch(/^ID,ICCID,Phone number,/);
    const tab = (await download('format=csv&lang=ru&delimiter=tab')).subarray(3).toString('utf8');
    expect(tab.split('\r\n')[0]!.split('\t')).toContain('Оператор');
  });

  test("the default is the user's language, kept when they switch it; raw=true is the API dump", async () => {
    const shop = await api.createShop();
    const staff = await api.createStaff(shop.id);
    const me = await api.get('/auth/me', { token: staff.token });
    expect(me.body.user.language).toBeNull();
    expect((await api.put('/users/me/language', { language: 'ru' }, { token: staff.token })).status).toBe(200);
    expect((await api.get('/auth/me', { token: staff.token })).body.user.language).toBe('ru');
    expect((await api.put('/users/me/language', { language: 'de' }, { token: staff.token })).status).toBe(400);
    const res = await fetch(`${api.url}/simcards/export?format=csv`, { headers: { authorization: `Bearer ${staff.token}` } });
    const text = Buffer.from(await res.arrayBuffer())
      .subarray(3)
      .toString('utf8');
    expect(text.split('\r\n')[0]!.split(';')).toContain('Статус');

    const raw = (await download('format=csv&raw=true&lang=ru')).subarray(3).toString('utf8');
    expect(raw.split('\r\n')[0]).toMatch(/^id,iccid,msisdn,operator,/);
    expect(raw).toContain('2026-11-30T20:30:00.000Z');
    expect(raw).toContain(',sold,');
  });
});
