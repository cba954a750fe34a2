import { loadConfig } from './config.js';
import {
  addDays,
  dealerDay,
  dealerDayBounds,
  dealerDays,
  dealerDaysBetween,
  dealerMonthBounds,
  dealerOffsetMinutes,
  dealerToday,
  isValidTimeZone,
} from './dealer-time.js';

describe('dealer time: Asia/Tashkent (UTC+5, no DST)', () => {
  const tz = 'Asia/Tashkent';

  test('an instant falls on the Tashkent day, not the UTC day', () => {
    expect(dealerDay('2026-12-01T18:59:59.999Z', tz)).toBe('2026-12-01');
    expect(dealerDay('2026-12-01T19:00:00.000Z', tz)).toBe('2026-12-02');
    expect(dealerDay(new Date('2026-12-02T00:00:00Z'), tz)).toBe('2026-12-02');
  });

  test('a day is [19:00Z the day before, 19:00Z)', () => {
    expect(dealerDayBounds('2026-12-02', tz)).toEqual({ from: '2026-12-01T19:00:00.000Z', to: '2026-12-02T19:00:00.000Z' });
    // across a year end
    expect(dealerDayBounds('2026-12-31', tz)).toEqual({ from: '2026-12-30T19:00:00.000Z', to: '2026-12-31T19:00:00.000Z' });
  });

  test("a month runs from its first local midnight to the next month's", () => {
    expect(dealerMonthBounds('2026-12', tz)).toEqual({ from: '2026-11-30T19:00:00.000Z', to: '2026-12-31T19:00:00.000Z' });
    expect(dealerMonthBounds('2028-02', tz)).toEqual({ from: '2028-01-31T19:00:00.000Z', to: '2028-02-29T19:00:00.000Z' });
  });

  test('today is the local day at `now`', () => {
    expect(dealerToday(tz, new Date('2026-12-02T20:30:00Z'))).toBe('2026-12-03');
    expect(dealerToday(tz, new Date('2026-12-02T18:30:00Z'))).toBe('2026-12-02');
    expect(dealerToday(tz)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test('days between, offsets, day lists', () => {
    expect(dealerOffsetMinutes('2026-07-01T00:00:00Z', tz)).toBe(300);
    expect(dealerDaysBetween('2026-11-30T20:00:00Z', '2026-12-02T10:00:00Z', tz)).toBe(1);
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    const days = dealerDays('2026-11-29', '2026-12-02', tz);
    expect(days.map((d) => d.day)).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
    expect(days[3]).toEqual({ day: '2026-12-02', ...dealerDayBounds('2026-12-02', tz) });
  });
});

describe('dealer time: a DST zone (Europe/Berlin)', () => {
  const tz = 'Europe/Berlin';

  test('the spring-forward day is 23 hours, the fall-back day 25', () => {
    const spring = dealerDayBounds('2026-03-29', tz);
    expect(spring).toEqual({ from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z' });
    const autumn = dealerDayBounds('2026-10-25', tz);
    expect(autumn).toEqual({ from: '2026-10-24T22:00:00.000Z', to: '2026-10-25T23:00:00.000Z' });
    expect(Date.parse(autumn.to) - Date.parse(autumn.from)).toBe(25 * 3600_000);
  });

  test('local days around the transitions', () => {
    expect(dealerDay('2026-03-29T21:59:59.999Z', tz)).toBe('2026-03-29');
    expect(dealerDay('2026-03-29T22:00:00.000Z', tz)).toBe('2026-03-30');
    expect(dealerDay('2026-10-25T22:59:59.999Z', tz)).toBe('2026-10-25');
    expect(dealerOffsetMinutes('2026-07-01T12:00:00Z', tz)).toBe(120);
    expect(dealerOffsetMinutes('2026-12-01T12:00:00Z', tz)).toBe(60);
  });

  test('a month spanning a transition', () => {
    expect(dealerMonthBounds('2026-03', tz)).toEqual({ from: '2026-02-28T23:00:00.000Z', to: '2026-03-31T22:00:00.000Z' });
  });

  test('consecutive days tile the timeline with no gap or overlap', () => {
    const days = dealerDays('2026-03-20', '2026-11-05', tz);
    for (let i = 1; i < days.length; i++) expect(days[i]!.from).toBe(days[i - 1]!.to);
    for (const d of days) {
      expect(dealerDay(d.from, tz)).toBe(d.day);
      expect(dealerDay(new Date(Date.parse(d.to) - 1), tz)).toBe(d.day);
    }
  });
});

describe('dealer time: a midnight DST jump (America/Santiago)', () => {
  test('the day starts at the jump when 00:00 does not exist', () => {
    // Chile springs forward at 24:00 on the first Saturday of September: 00:00 → 01:00.
    const b = dealerDayBounds('2026-09-06', 'America/Santiago');
    expect(dealerDay(b.from, 'America/Santiago')).toBe('2026-09-06');
    expect(dealerDay(new Date(Date.parse(b.from) - 1), 'America/Santiago')).toBe('2026-09-05');
    expect(Date.parse(b.to) - Date.parse(b.from)).toBe(23 * 3600_000);
  });
});

describe('dealer time: input checks', () => {
  test('zone names', () => {
    expect(isValidTimeZone('Asia/Tashkent')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  test('bad days and months throw', () => {
    expect(() => dealerDayBounds('2026-02-30', 'UTC')).toThrow(RangeError);
    expect(() => dealerDayBounds('26-1-1', 'UTC')).toThrow(RangeError);
    expect(() => dealerMonthBounds('2026-13', 'UTC')).toThrow(RangeError);
    expect(() => dealerDay('yesterday', 'UTC')).toThrow(RangeError);
  });
});

describe('TIME_ZONE configuration', () => {
  test('defaults to Asia/Tashkent; a bad name stops start-up with one line', () => {
    expect(loadConfig({}).time.zone).toBe('Asia/Tashkent');
    expect(loadConfig({ TIME_ZONE: 'Europe/Berlin' }).time.zone).toBe('Europe/Berlin');
    expect(() => loadConfig({ TIME_ZONE: 'Mars/Olympus' })).toThrow(/^TIME_ZONE: must be an IANA time zone name.*Mars\/Olympus/);
  });
});
