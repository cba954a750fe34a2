/** What the operator's answer does to a SIM (docs/domain.md#lifecycle), as a pure rule. */
import type { SimcardRow } from '@simcard/db';
import { ACTIVATION_CLOCK_SKEW_MS, applyAnswer, saleDate } from './apply-answer.js';

const AT = '2026-12-03T08:00:00.000Z';
const EARLIER = '2026-12-01T10:30:00.000Z';

function sim(over: Partial<SimcardRow> = {}): SimcardRow {
  return {
    id: 1,
    iccid: '8999800000000000015',
    msisdn: null,
    operator: null,
    tariff: null,
    price: null,
    batch_id: null,
    shop_id: 3,
    status: 'assigned',
    provider_status: null,
    activated_at: null,
    sold_at: null,
    assigned_at: EARLIER,
    last_checked_at: null,
    last_check_error: null,
    notes: null,
    created_at: EARLIER,
    updated_at: EARLIER,
    ...over,
  };
}

describe('applyAnswer', () => {
  test("active: the SIM's one sale, dated by the operator's activation date", () => {
    const out = applyAnswer(sim(), { status: 'active', activatedAt: EARLIER }, AT);
    expect(out).toMatchObject({ previousStatus: 'assigned', newStatus: 'sold', changed: true, newlySold: true });
    expect(out.patch).toMatchObject({
      status: 'sold',
      provider_status: 'active',
      sold_at: EARLIER,
      sale_detected_at: AT,
      sale_date_note: null,
      activated_at: EARLIER,
      last_checked_at: AT,
      last_check_error: null,
    });
  });

  test('active again after a block: sold again, but not a second sale (sold_at kept)', () => {
    const out = applyAnswer(
      sim({ status: 'blocked', sold_at: EARLIER, activated_at: EARLIER, provider_status: 'blocked' }),
      { status: 'active', activatedAt: EARLIER },
      AT,
    );
    expect(out).toMatchObject({ newStatus: 'sold', changed: true, newlySold: false });
    expect(out.patch.sold_at).toBeUndefined();
    expect(out.patch.sale_detected_at).toBeUndefined();
  });

  test('an already sold SIM that stays active: nothing changes', () => {
    const out = applyAnswer(
      sim({ status: 'sold', sold_at: EARLIER, activated_at: EARLIER, provider_status: 'active' }),
      { status: 'active', activatedAt: EARLIER },
      AT,
    );
    expect(out).toMatchObject({ newStatus: 'sold', changed: false, newlySold: false });
  });

  test('blocked: blocked, whatever it was', () => {
    expect(applyAnswer(sim(), { status: 'blocked', activatedAt: null }, AT)).toMatchObject({
      newStatus: 'blocked',
      changed: true,
      newlySold: false,
    });
    expect(applyAnswer(sim({ status: 'sold', sold_at: EARLIER }), { status: 'blocked', activatedAt: null }, AT).newStatus).toBe('blocked');
  });

  test.each([
    ['to its shop when never sold', sim({ status: 'blocked', shop_id: 3 }), 'assigned'],
    ['to stock when never sold and at no shop', sim({ status: 'blocked', shop_id: null }), 'in_stock'],
    ['to sold when it was ever sold', sim({ status: 'blocked', sold_at: EARLIER }), 'sold'],
  ] as const)('inactive after a block: back %s', (_, from, expected) => {
    const out = applyAnswer(from, { status: 'inactive', activatedAt: null }, AT);
    expect(out).toMatchObject({ newStatus: expected, changed: true, newlySold: false });
  });

  test('inactive on an unsold SIM, and not_found: only the operator status is recorded', () => {
    const inactive = applyAnswer(sim(), { status: 'inactive', activatedAt: null }, AT);
    expect(inactive).toMatchObject({ newStatus: 'assigned', changed: false, newlySold: false });
    const unknown = applyAnswer(sim({ status: 'in_stock', shop_id: null }), { status: 'not_found', activatedAt: null }, AT);
    expect(unknown).toMatchObject({ newStatus: 'in_stock', changed: false });
    expect(unknown.patch.provider_status).toBe('not_found');
  });

  test("a change of the operator's word alone counts as a change", () => {
    expect(applyAnswer(sim({ provider_status: 'inactive' }), { status: 'not_found', activatedAt: null }, AT).changed).toBe(true);
  });
});

describe('saleDate', () => {
  test("the operator's date, normalized to ISO, when it is not in the future", () => {
    expect(saleDate('2026-12-01T15:30:00+05:00', AT)).toEqual({ soldAt: EARLIER, note: null, activatedAt: EARLIER });
  });

  test('no date, or one that is not a date: the check dates the sale and says why', () => {
    expect(saleDate(null, AT)).toMatchObject({ soldAt: AT, activatedAt: null, note: expect.stringMatching(/no activation date/) });
    expect(saleDate('yesterday', AT)).toMatchObject({ soldAt: AT, activatedAt: null, note: expect.stringMatching(/not a date/) });
  });

  test("a date beyond the clock skew in the future: the check's time, the operator's date kept as activation", () => {
    const future = new Date(Date.parse(AT) + ACTIVATION_CLOCK_SKEW_MS + 60_000).toISOString();
    expect(saleDate(future, AT)).toMatchObject({ soldAt: AT, activatedAt: future, note: expect.stringMatching(/in the future/) });
    const withinSkew = new Date(Date.parse(AT) + ACTIVATION_CLOCK_SKEW_MS - 60_000).toISOString();
    expect(saleDate(withinSkew, AT)).toEqual({ soldAt: withinSkew, note: null, activatedAt: withinSkew });
  });
});
