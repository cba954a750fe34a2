/**
 * The dealer's calendar. "Today", a per-day bar or a month in a report is a day in the
 * dealer's time zone (`TIME_ZONE`, default Asia/Tashkent), never a UTC day: a SIM activated
 * at 02:00 in Tashkent (21:00 UTC the day before) was sold on the Tashkent day.
 *
 * Pure functions on IANA zone names through Intl (no tz database of our own). Days are
 * 'YYYY-MM-DD' strings, instants ISO-8601 UTC strings (what the database stores), so SQL on
 * both dialects compares day bounds as plain instants: `ts >= from AND ts < to`.
 */

export const DEFAULT_TIME_ZONE = 'Asia/Tashkent';

const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True for a time zone name Intl knows (e.g. `Asia/Tashkent`, `UTC`). */
export function isValidTimeZone(tz: string): boolean {
  if (!tz || typeof tz !== 'string') return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(ms: number, tz: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out as unknown as LocalParts;
}

/** The zone's offset from UTC at an instant, in ms (local = UTC + offset). */
function offsetAt(ms: number, tz: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const p = localParts(whole, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

function toMs(instant: Date | string): number {
  const ms = instant instanceof Date ? instant.getTime() : Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${String(instant)}`);
  return ms;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The dealer's local day ('YYYY-MM-DD') an instant falls on. */
export function dealerDay(instant: Date | string, tz: string): string {
  const p = localParts(toMs(instant), tz);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** The dealer's day today (or at `now`). */
export function dealerToday(tz: string, now: Date = new Date()): string {
  return dealerDay(now, tz);
}

function parseDay(day: string): [number, number, number] {
  const m = DAY.exec(day);
  if (!m) throw new RangeError(`not a day (YYYY-MM-DD): ${day}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const back = new Date(Date.UTC(y, mo - 1, d));
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`not a calendar day: ${day}`);
  }
  return [y, mo, d];
}

/**
 * The first instant of a local day, in ms. Where midnight does not exist (a DST jump at
 * 00:00) it is the jump's instant; where it exists twice, the first one.
 */
function dayStartMs(day: string, tz: string): number {
  const [y, mo, d] = parseDay(day);
  const wall = Date.UTC(y, mo - 1, d);
  // The offset in force just before and just after the day: a transition during the day
  // (or at its midnight) yields two candidates; the earliest one that lies on `day` is its start.
  const candidates = [wall - offsetAt(wall - DAY_MS, tz), wall - offsetAt(wall + DAY_MS, tz), wall - offsetAt(wall, tz)];
  let best = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    if (c < best && dealerDay(new Date(c), tz) === day) best = c;
  }
  return Number.isFinite(best) ? best : wall - offsetAt(wall, tz);
}

/** A day `n` days after (n < 0: before) `day`, on the calendar (no time zone involved). */
export function addDays(day: string, n: number): string {
  const [y, mo, d] = parseDay(day);
  const t = new Date(Date.UTC(y, mo - 1, d) + n * DAY_MS);
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** A local day as UTC instants: `from` inclusive, `to` exclusive (23, 24 or 25 hours apart). */
export function dealerDayBounds(day: string, tz: string): { from: string; to: string } {
  return {
    from: new Date(dayStartMs(day, tz)).toISOString(),
    to: new Date(dayStartMs(addDays(day, 1), tz)).toISOString(),
  };
}

/** Local days `fromDay`..`toDay` (both inclusive) with their UTC bounds, oldest first. */
export function dealerDays(fromDay: string, toDay: string, tz: string): Array<{ day: string; from: string; to: string }> {
  const out: Array<{ day: string; from: string; to: string }> = [];
  for (let day = fromDay; day <= toDay && out.length < 3700; day = addDays(day, 1)) {
    out.push({ day, ...dealerDayBounds(day, tz) });
  }
  return out;
}

/** A local calendar month ('YYYY-MM') as UTC instants: `from` inclusive, `to` exclusive. */
export function dealerMonthBounds(month: string, tz: string): { from: string; to: string } {
  const m = MONTH.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new RangeError(`not a month (YYYY-MM): ${month}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const next = mo === 12 ? `${pad(y + 1, 4)}-01-01` : `${pad(y, 4)}-${pad(mo + 1)}-01`;
  return {
    from: new Date(dayStartMs(`${month}-01`, tz)).toISOString(),
    to: new Date(dayStartMs(next, tz)).toISOString(),
  };
}

/** The zone's UTC offset at an instant, in minutes (Tashkent: 300). */
export function dealerOffsetMinutes(instant: Date | string, tz: string): number {
  return Math.round(offsetAt(toMs(instant), tz) / 60_000);
}

/** Whole days from one instant to another as the dealer counts them (local day numbers). */
export function dealerDaysBetween(from: Date | string, to: Date | string, tz: string): number {
  const a = parseDay(dealerDay(from, tz));
  const b = parseDay(dealerDay(to, tz));
  return Math.round((Date.UTC(b[0], b[1] - 1, b[2]) - Date.UTC(a[0], a[1] - 1, a[2])) / DAY_MS);
}
