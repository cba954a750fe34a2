/**
 * The export's remembered time-zone offsets equal dealerOffsetMinutes at every minute around
 * offset changes, in zones that change by an hour, by half an hour, off the quarter hours, and that sit 45 minutes off.
 */
import { dealerOffsetMinutes } from '@simcard/common';
import { offsetLookup } from './export-people.js';

test.each([
  ['Europe/Berlin', '2026-03-29T00:00:00Z'],
  ['Europe/Berlin', '2026-10-25T00:00:00Z'],
  ['America/St_Johns', '2026-03-08T04:00:00Z'],
  ['Australia/Lord_Howe', '2026-04-04T14:00:00Z'],
  // A change off the quarter hours (00:44:30 UTC): its quarter hour is looked up per instant.
  ['Africa/Monrovia', '1972-01-06T22:00:00Z'],
  ['Asia/Kathmandu', '2026-12-03T00:00:00Z'],
  ['Asia/Tashkent', '2026-12-03T00:00:00Z'],
])('%s around %s', (tz, from) => {
  const offset = offsetLookup(tz);
  const start = Date.parse(from);
  const seen = new Set<number>();
  // Every minute over four hours, and some instants between minutes.
  for (let ms = start; ms < start + 4 * 3_600_000; ms += 60_000 - 1) {
    expect(offset(ms)).toBe(dealerOffsetMinutes(new Date(ms), tz));
    seen.add(offset(ms));
  }
  // The DST cases do cross a change.
  if (!/Kathmandu|Tashkent/.test(tz)) expect(seen.size).toBe(2);
});
