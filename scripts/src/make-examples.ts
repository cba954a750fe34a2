/**
 * Writes examples/: the files an operator sends a dealer, to try the import with (the web app's
 * Import screen, or POST /simcards/bulk). Run again only to change them; they are committed.
 *
 *   npx tsx scripts/src/make-examples.ts
 *
 * - beeline-nakladnaya.csv   Windows-1251, `;`, Russian headers, prices as "20 000": Russian Excel's "CSV"
 * - ucell-yuk-xati.xlsx      a workbook with Uzbek headers, the ICCIDs as text
 * - uzmobile-no-check-digit.csv  UTF-8, `,`, ICCIDs without their check digit (tick "The ICCIDs lack their check digit")
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { appendCheckDigit } from '@simcard/common';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';

const DIR = fileURLToPath(new URL('../../examples/', import.meta.url));
/** A range of its own (…3110…), apart from the demo's SIMs: the examples import into the demo too. */
const serial = (i: number) => String(31_100_000_000 + i).padStart(11, '0');
const spacedPrice = (n: number) => n.toLocaleString('ru-RU').replace(/\s/g, ' ');

const beeline = ['Номер ICCID;Телефон;Оператор;Тариф;Цена'];
for (let i = 0; i < 50; i++) {
  const iccid = appendCheckDigit(`8999801${serial(i)}`);
  const phone = `+998 90 ${String(310 + Math.floor(i / 100)).padStart(3, '0')} ${String(10 + (i % 90)).padStart(2, '0')} ${String(i % 100).padStart(2, '0')}`;
  beeline.push([iccid, phone, 'Билайн', i % 3 === 0 ? 'Безлимит Плюс' : 'Milliy 30', spacedPrice(20_000)].join(';'));
}
writeFileSync(`${DIR}beeline-nakladnaya.csv`, iconv.encode(beeline.join('\r\n') + '\r\n', 'win1251'));

const wb = new ExcelJS.Workbook();
const sheet = wb.addWorksheet('SIM kartalar');
sheet.addRow(['ICCID raqami', 'Telefon raqami', 'Operator', 'Tarif', "Narx (so'm)"]);
for (let i = 0; i < 40; i++) {
  sheet.addRow([appendCheckDigit(`8999802${serial(i)}`), `99893${String(3_100_000 + i)}`, 'Ucell', 'Zo‘r 40', 25_000]);
}
sheet.getColumn(1).numFmt = '@';
sheet.getColumn(1).width = 24;
sheet.getColumn(2).width = 16;
await wb.xlsx.writeFile(`${DIR}ucell-yuk-xati.xlsx`);

const uzmobile = ['iccid,msisdn,operator,tariff,price'];
// 18 digits: the operator's file leaves off the Luhn check digit that the SIM itself carries.
for (let i = 0; i < 30; i++)
  uzmobile.push([`8999803${serial(i)}`, `+99895${String(3_100_000 + i)}`, 'uzmobile', 'Street 25', '15000'].join(','));
writeFileSync(`${DIR}uzmobile-no-check-digit.csv`, uzmobile.join('\n') + '\n');
console.log(`wrote ${DIR}`);
