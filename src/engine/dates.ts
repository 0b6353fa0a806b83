/**
 * Calendar arithmetic on YYYY-MM-DD dates (clinical-spec.md section 8: intervals are calendar
 * months). Pure string/number work, no time zones: a clinical date is a day, not an instant.
 */

interface Ymd {
  readonly y: number;
  readonly m: number; // 1–12
  readonly d: number;
}

function parse(date: string): Ymd {
  return { y: Number(date.slice(0, 4)), m: Number(date.slice(5, 7)), d: Number(date.slice(8, 10)) };
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, m: number): number {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return m === 2 && leap ? 29 : (MONTH_DAYS[m - 1] ?? 31);
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** date + n calendar months; the day is clamped to the month's end (2026-08-31 + 3 → 2026-11-30). */
export function addMonths(date: string, months: number): string {
  const { y, m, d } = parse(date);
  const index = y * 12 + (m - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = (index % 12) + 1;
  return `${pad(ny, 4)}-${pad(nm, 2)}-${pad(Math.min(d, daysInMonth(ny, nm)), 2)}`;
}

/** Whole calendar months from `from` to `to` (negative when `to` is earlier). */
export function monthsBetween(from: string, to: string): number {
  const a = parse(from);
  const b = parse(to);
  let months = (b.y - a.y) * 12 + (b.m - a.m);
  // A month is complete once the same day of the month is reached (or the month's end, for the 31st).
  const reached = b.d >= a.d || b.d === daysInMonth(b.y, b.m);
  if (months > 0 && !reached) months -= 1;
  else if (months < 0 && b.d > a.d) months += 1;
  return months;
}

const DAY_MS = 86_400_000;
const dayNumber = (date: string): number => {
  const { y, m, d } = parse(date);
  return Date.UTC(y, m - 1, d) / DAY_MS;
};

/**
 * Months elapsed from `from` to `to`, with the part-month as a fraction of the month in progress:
 * exactly 6 calendar months → 6, one day more → 6.03. Lets a rule tell "≥ 6 months" from
 * "more than 6 months" (GL2025 Table 3 note) without date arithmetic in JSON Logic.
 */
export function monthsElapsed(from: string, to: string): number {
  const whole = monthsBetween(from, to);
  if (whole < 0) return whole;
  const start = dayNumber(addMonths(from, whole));
  const next = dayNumber(addMonths(from, whole + 1));
  const part = (dayNumber(to) - start) / (next - start);
  return whole + Math.max(0, Math.min(part, 0.999));
}

/** Whole years of age at `on`, from a birth date (YYYY, YYYY-MM or YYYY-MM-DD). */
export function ageOn(birthDate: string, on: string): number {
  const full = birthDate.length === 4 ? `${birthDate}-01-01` : birthDate.length === 7 ? `${birthDate}-01` : birthDate;
  return Math.floor(monthsBetween(full.slice(0, 10), on) / 12);
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const { y, m, d } = parse(s);
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}
