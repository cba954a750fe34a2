/** The lifecycle of moves (docs/domain.md#lifecycle), as pure rules: no database, no HTTP. */
import { ConflictError } from '@simcard/common';
import { isDeletable, isMovable, planMove } from './simcard-lifecycle.js';

const AT = '2026-12-03T08:00:00.000Z';
const sim = (over: Partial<Parameters<typeof planMove>[0]> = {}) => ({
  id: 7,
  iccid: '8999800000000000015',
  status: 'in_stock' as const,
  shop_id: null,
  sold_at: null,
  ...over,
});

describe('planMove', () => {
  test('from stock to a shop: assigned, dated, logged as an assignment', () => {
    expect(planMove(sim(), 3, 1, AT)).toEqual({
      patch: { shop_id: 3, status: 'assigned', assigned_at: AT },
      log: { simcard_id: 7, iccid: '8999800000000000015', from_shop_id: null, to_shop_id: 3, user_id: 1, action: 'assigned' },
    });
  });

  test('from one shop to another: a transfer, re-dated at the new shop', () => {
    const move = planMove(sim({ status: 'assigned', shop_id: 3 }), 4, 1, AT)!;
    expect(move.patch).toEqual({ shop_id: 4, status: 'assigned', assigned_at: AT });
    expect(move.log).toMatchObject({ from_shop_id: 3, to_shop_id: 4, action: 'transferred' });
  });

  test('from a shop back to stock: returned, no shop, no assignment date', () => {
    const move = planMove(sim({ status: 'assigned', shop_id: 3 }), null, 1, AT)!;
    expect(move.patch).toEqual({ shop_id: null, status: 'in_stock', assigned_at: null });
    expect(move.log).toMatchObject({ from_shop_id: 3, to_shop_id: null, action: 'returned' });
  });

  test('to where it already is: nothing to do', () => {
    expect(planMove(sim({ status: 'assigned', shop_id: 3 }), 3, 1, AT)).toBeNull();
    expect(planMove(sim(), null, 1, AT)).toBeNull();
  });

  test.each([
    ['sold', sim({ status: 'sold', shop_id: 3, sold_at: AT }), /A sold SIM card/],
    ['blocked', sim({ status: 'blocked', shop_id: 3 }), /A blocked SIM card/],
    ['ever sold, though its status is assigned again', sim({ status: 'assigned', shop_id: 3, sold_at: AT }), /A sold SIM card/],
  ])('a %s SIM is never moved (409 not_movable)', (_, from, message) => {
    let thrown: unknown;
    try {
      planMove(from, 5, 1, AT);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConflictError);
    expect(thrown).toMatchObject({ code: 'not_movable', message: expect.stringMatching(message) });
  });
});

describe('isMovable and isDeletable', () => {
  test('only a never-sold SIM in stock or at a shop moves', () => {
    expect(isMovable({ status: 'in_stock', sold_at: null })).toBe(true);
    expect(isMovable({ status: 'assigned' })).toBe(true);
    expect(isMovable({ status: 'assigned', sold_at: AT })).toBe(false);
    expect(isMovable({ status: 'sold', sold_at: AT })).toBe(false);
    expect(isMovable({ status: 'blocked', sold_at: null })).toBe(false);
  });

  test('a sale is kept for life: a sold SIM, or one blocked since its sale, is not deleted', () => {
    expect(isDeletable({ status: 'in_stock', sold_at: null })).toBe(true);
    expect(isDeletable({ status: 'blocked', sold_at: null })).toBe(true);
    expect(isDeletable({ status: 'sold', sold_at: AT })).toBe(false);
    expect(isDeletable({ status: 'blocked', sold_at: AT })).toBe(false);
  });
});
