/** Months as the statements use them: `YYYY-MM` in the dealer's calendar (Tashkent by default). */
export function previousMonth(now: Date = new Date()): string {
  // The dealer's calendar is ahead of UTC (Asia/Tashkent, +5): close enough for a default choice.
  const local = new Date(now.getTime() + 5 * 3600_000);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth(); // 0-based: the previous month's number
  return m === 0 ? `${y - 1}-12` : `${y}-${String(m).padStart(2, '0')}`;
}

export function isMonth(s: string | null): s is string {
  return s !== null && /^\d{4}-(0[1-9]|1[0-2])$/.test(s);
}
