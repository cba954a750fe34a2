/** Monthly statements per shop, payments to shops, the dealer's income per operator (admins). */
import type { ApiRouter } from '@simcard/common';
import { presentMonth, presentPayment, presentShopStatement } from '../../presenters/statements.js';
import { IdParams } from '../../schemas.js';
import type { StatementsService } from '../../services/statements.js';
import { MonthStatements, Payment, PaymentBody, ShopStatementQuery, ShopStatementResponse, StatementsQuery } from './statements.schema.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function statementRoutes(api: ApiRouter, statements: StatementsService): void {
  api.endpoint(
    {
      method: 'get',
      path: '/statements',
      tag: 'Money',
      summary: "A month for all shops: activations, commission earned, the share owed, paid; and the dealer's income per operator",
      description:
        "Sales count in the month of their activation date in the dealer's time zone, with the commission and share kept with each sale.",
      access: 'admin',
      query: StatementsQuery,
      responses: { 200: { description: 'One row per shop, with totals', schema: MonthStatements } },
    },
    async (ctx, { query }) => {
      ctx.body = presentMonth(await statements.month(query.month));
    },
  );

  api.endpoint(
    {
      method: 'get',
      path: '/statements/{id}',
      tag: 'Money',
      summary: "One shop's statement for a month: by operator and tariff, payments, balance (format=xlsx: a workbook in uz/ru/en)",
      access: 'admin',
      params: IdParams,
      query: ShopStatementQuery,
      responses: {
        200: { description: 'The statement (JSON, or the XLSX file with format=xlsx)', schema: ShopStatementResponse },
      },
    },
    async (ctx, { params, query, principal }) => {
      if (query.format === 'xlsx') {
        const file = await statements.xlsx(params.id, query.month, principal, query.lang);
        ctx.set('Content-Type', XLSX);
        ctx.set('Cache-Control', 'no-store');
        ctx.attachment(file.filename);
        ctx.body = file.body;
        return;
      }
      ctx.body = presentShopStatement(await statements.shop(params.id, query.month));
    },
  );

  api.endpoint(
    {
      method: 'post',
      path: '/statements/{id}/payments',
      tag: 'Money',
      summary: "Record a payment to a shop against a month's statement: who, when, how much (audited)",
      access: 'admin',
      params: IdParams,
      body: PaymentBody,
      responses: { 201: { description: 'The payment', schema: Payment } },
    },
    async (ctx, { params, body, principal }) => {
      ctx.status = 201;
      ctx.body = presentPayment(
        await statements.addPayment(principal, params.id, {
          month: body.month,
          amount: body.amount,
          paid_at: body.paid_at ?? null,
          note: body.note ?? null,
        }),
      );
    },
  );
}
