/**
 * Monthly statements: what each shop earned for the dealer and is owed, for the activations in
 * a month of the dealer's calendar (TIME_ZONE), from the commissions kept with each sale; the
 * payments made against them (audited); the dealer's income per operator beside them.
 */
import { dealerMonthBounds, NotFoundError, type Principal, ValidationError } from '@simcard/common';
import { type Db, shopsRepository, statementsRepository as repo, writeTransaction } from '@simcard/db';
import { exceljs } from '../lazy-modules.js';
import { recordAudit } from './audit.js';
import { EXCEL_DATE_FORMAT, excelLocalDate, fileLanguage, label, type Language } from './people-labels.js';

export interface MonthSummary {
  month: string;
  timeZone: string;
  range: repo.Range;
  shops: (repo.ShopTotalsRow & { balance: number })[];
  unassigned: repo.Totals;
  byOperator: repo.OperatorTotalsRow[];
  totals: repo.Totals & { paid: number; balance: number };
}

export interface ShopStatement {
  month: string;
  timeZone: string;
  range: repo.Range;
  shop: { id: number; name: string; code: string };
  lines: repo.ShopLineRow[];
  totals: repo.Totals;
  payments: repo.PaymentRow[];
  paid: number;
  balance: number;
}

export interface PaymentInput {
  month: string;
  amount: number;
  paid_at: string | null;
  note: string | null;
}

export class StatementsService {
  constructor(
    private readonly db: Db,
    private readonly timeZone: string,
  ) {}

  #range(month: string): repo.Range {
    try {
      return dealerMonthBounds(month, this.timeZone);
    } catch {
      throw ValidationError.field('month', 'must be a month, YYYY-MM');
    }
  }

  async month(month: string): Promise<MonthSummary> {
    const range = this.#range(month);
    const { shops, unassigned, operators: byOperator } = await repo.month(this.db, range, month);
    const withBalance = shops.map((s) => ({ ...s, balance: s.share - s.paid }));
    const sum = (f: (s: repo.ShopTotalsRow) => number) => shops.reduce((a, s) => a + f(s), 0);
    return {
      month,
      timeZone: this.timeZone,
      range,
      shops: withBalance,
      unassigned,
      byOperator,
      totals: {
        activations: sum((s) => s.activations) + unassigned.activations,
        earned: sum((s) => s.earned) + unassigned.earned,
        share: sum((s) => s.share),
        paid: sum((s) => s.paid),
        balance: sum((s) => s.share - s.paid),
      },
    };
  }

  async shop(shopId: number, month: string): Promise<ShopStatement> {
    const range = this.#range(month);
    const shop = await shopsRepository.findById(this.db, shopId);
    if (!shop) throw new NotFoundError('Shop');
    const [lines, payments] = await Promise.all([repo.shopLines(this.db, shopId, range), repo.payments(this.db, shopId, month)]);
    const totals = lines.reduce(
      (t, l) => ({ activations: t.activations + l.activations, earned: t.earned + l.earned, share: t.share + l.share }),
      { activations: 0, earned: 0, share: 0 },
    );
    const paid = payments.reduce((a, p) => a + p.amount, 0);
    return {
      month,
      timeZone: this.timeZone,
      range,
      shop: { id: shop.id, name: shop.name, code: shop.code },
      lines,
      totals,
      payments,
      paid,
      balance: totals.share - paid,
    };
  }

  addPayment(principal: Principal, shopId: number, input: PaymentInput): Promise<repo.PaymentRow> {
    this.#range(input.month);
    return writeTransaction(this.db, async (trx) => {
      const shop = await shopsRepository.findById(trx, shopId);
      if (!shop) throw new NotFoundError('Shop');
      const payment = await repo.insertPayment(trx, {
        shop_id: shopId,
        month: input.month,
        amount: input.amount,
        paid_at: input.paid_at ?? new Date().toISOString(),
        paid_by: principal.userId > 0 ? principal.userId : null,
        paid_by_name: principal.username.slice(0, 120),
        note: input.note,
      });
      await recordAudit(trx, principal, { action: 'pay', entity: 'statement', entityId: `${shopId}/${input.month}`, after: payment });
      return payment;
    });
  }

  /** The shop's statement as a workbook: the summary by operator and tariff, then every sale. */
  async xlsx(
    shopId: number,
    month: string,
    principal: Principal,
    asked: Language | undefined,
  ): Promise<{ filename: string; body: Buffer }> {
    const lang = await fileLanguage(this.db, principal, asked);
    const s = await this.shop(shopId, month);
    const sales = await repo.shopSales(this.db, shopId, s.range);
    const L = (k: string) => label(lang, k);
    const wb = new (exceljs().Workbook)();
    const sheet = wb.addWorksheet(L('sheet.statement'), { views: [{ state: 'frozen', ySplit: 4 }] });
    sheet.addRow([`${L('statement')}: ${s.shop.name} (${s.shop.code})`]).font = { bold: true, size: 13 };
    sheet.addRow([L('month'), month]);
    sheet.addRow([]);
    const header = sheet.addRow([L('operator'), L('tariff'), L('activations'), L('unit'), L('earned'), L('share')]);
    header.font = { bold: true };
    for (const l of s.lines)
      sheet.addRow([l.operator ?? L('no.operator'), l.tariff ?? '', l.activations, l.unit_amount, l.earned, l.share]);
    sheet.addRow([L('total'), '', s.totals.activations, null, s.totals.earned, s.totals.share]).font = { bold: true };
    sheet.addRow([L('paid'), '', null, null, null, s.paid]);
    sheet.addRow([L('balance'), '', null, null, null, s.balance]).font = { bold: true };
    sheet.autoFilter = { from: { row: 4, column: 1 }, to: { row: 4, column: 6 } };
    [18, 18, 14, 16, 18, 20].forEach((w, i) => (sheet.getColumn(i + 1).width = w));
    for (const c of [4, 5, 6]) sheet.getColumn(c).numFmt = '#,##0';

    const detail = wb.addWorksheet(L('sheet.sales'), { views: [{ state: 'frozen', ySplit: 1 }] });
    detail.addRow([L('iccid'), L('msisdn'), L('operator'), L('tariff'), L('sold_at'), L('earned'), L('share')]).font = { bold: true };
    for (const r of sales)
      detail.addRow([r.iccid, r.msisdn, r.operator, r.tariff, excelLocalDate(r.sold_at, this.timeZone), r.amount, r.share]);
    detail.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: 7 } };
    [24, 16, 12, 16, 18, 16, 18].forEach((w, i) => (detail.getColumn(i + 1).width = w));
    detail.getColumn(5).numFmt = EXCEL_DATE_FORMAT;

    const body = Buffer.from(await wb.xlsx.writeBuffer());
    return { filename: `statement-${s.shop.code}-${month}.xlsx`, body };
  }
}
