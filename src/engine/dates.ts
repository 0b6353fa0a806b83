/**
 * Calendar arithmetic on YYYY-MM-DD dates (clinical-spec.md section 8: intervals are calendar
 * months). Pure string/number work, no time zones: a clinical date is a day, not an instant.
 */
import { z } from 'zod';

interface Ymd {
  readonly y: number;
  readonly m: number; // 1–12
  readonly d: number;
}

/** The value of the digit at `i` (0–9), or -1 when there is none. */
function digit(date: string, i: number): number {
  const c = date.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function parse(date: string): Ymd {
  // The usual YYYY-MM-DD read from its digits (no substrings: this runs a dozen times per hip);
  // anything else as before, through Number() of each part.
  const y0 = digit(date, 0), y1 = digit(date, 1), y2 = digit(date, 2), y3 = digit(date, 3);
  const m0 = digit(date, 5), m1 = digit(date, 6), d0 = digit(date, 8), d1 = digit(date, 9);
  if ((y0 | y1 | y2 | y3 | m0 | m1 | d0 | d1) >= 0) {
    return { y: y0 * 1000 + y1 * 100 + y2 * 10 + y3, m: m0 * 10 + m1, d: d0 * 10 + d1 };
  }
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
  const { y, m, d } = shift(parse(date), months);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

function shift({ y, m, d }: Ymd, months: number): Ymd {
  const index = y * 12 + (m - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = (index % 12) + 1;
  return { y: ny, m: nm, d: Math.min(d, daysInMonth(ny, nm)) };
}

/** Whole calendar months from `from` to `to` (negative when `to` is earlier). */
export function monthsBetween(from: string, to: string): number {
  return monthsBetweenYmd(parse(from), parse(to));
}

function monthsBetweenYmd(a: Ymd, b: Ymd): number {
  let months = (b.y - a.y) * 12 + (b.m - a.m);
  // A month is complete once the same day of the month is reached (or the month's end, for the 31st).
  const reached = b.d >= a.d || b.d === daysInMonth(b.y, b.m);
  if (months > 0 && !reached) months -= 1;
  else if (months < 0 && b.d > a.d) months += 1;
  return months;
}

const DAY_MS = 86_400_000;
const dayNumber = ({ y, m, d }: Ymd): number => Date.UTC(y, m - 1, d) / DAY_MS;

/** Does `date` read back unchanged once written as YYYY-MM-DD (what addMonths returns)? */
const writable = ({ y, m, d }: Ymd): boolean =>
  Number.isInteger(y) && y >= 0 && y <= 9999 && Number.isInteger(m) && m >= 0 && Number.isInteger(d) && d >= 0;

/**
 * Months elapsed from `from` to `to`, with the part-month as a fraction of the month in progress:
 * exactly 6 calendar months → 6, one day more → 6.03. Lets a rule tell "≥ 6 months" from
 * "more than 6 months" (GL2025 Table 3 note) without date arithmetic in JSON Logic.
 */
export function monthsElapsed(from: string, to: string): number {
  const a = parse(from);
  const b = parse(to);
  const whole = monthsBetweenYmd(a, b);
  if (whole < 0) return whole;
  // The month boundaries as numbers; through addMonths' text only where it would not read back
  // the same (a year past 9999, a malformed date).
  const s = shift(a, whole);
  const n = shift(a, whole + 1);
  const start = dayNumber(writable(s) ? s : parse(addMonths(from, whole)));
  const next = dayNumber(writable(n) ? n : parse(addMonths(from, whole + 1)));
  const part = (dayNumber(b) - start) / (next - start);
  return whole + Math.max(0, Math.min(part, 0.999));
}

/** Whole years of age at `on`, from a birth date (YYYY, YYYY-MM or YYYY-MM-DD). */
export function ageOn(birthDate: string, on: string): number {
  const full = birthDate.length === 4 ? `${birthDate}-01-01` : birthDate.length === 7 ? `${birthDate}-01` : birthDate;
  return Math.floor(monthsBetween(full.slice(0, 10), on) / 12);
}

const IsoDate = z.iso.date();

/**
 * True for a real calendar date written YYYY-MM-DD. zod's ISO date answers as the regex and
 * days-in-month check it replaced did on every year 0000-9999 × month 00-13 × day 00-32 (issue 16).
 */
export function isIsoDate(s: string): boolean {
  return IsoDate.safeParse(s).success;
}
