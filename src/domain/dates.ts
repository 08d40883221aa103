/**
 * Local calendar dates as `YYYY-MM-DD` strings and their day arithmetic.
 * Day math runs on integer day numbers (days since 1970-01-01) so the hot path of the
 * evaluator never builds Date or Luxon objects.
 */
export type LocalDate = string;
export type Instant = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

export function isLocalDate(value: unknown): value is LocalDate {
  if (typeof value !== 'string') return false;
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const dayNumberCache = new Map<string, number>();

/** Days since 1970-01-01 for a local date. */
export function toDayNumber(date: LocalDate): number {
  let n = dayNumberCache.get(date);
  if (n === undefined) {
    const y = Number(date.slice(0, 4));
    const m = Number(date.slice(5, 7));
    const d = Number(date.slice(8, 10));
    n = Math.round(Date.UTC(y, m - 1, d) / MS_PER_DAY);
    if (dayNumberCache.size > 200_000) dayNumberCache.clear();
    dayNumberCache.set(date, n);
  }
  return n;
}

const dateCache: string[] = [];
const CACHE_BASE = 18_000; // 2019-04-14; day numbers around the present are cached

export function fromDayNumber(n: number): LocalDate {
  const idx = n - CACHE_BASE;
  if (idx >= 0 && idx < 10_000) {
    const hit = dateCache[idx];
    if (hit !== undefined) return hit;
  }
  const s = new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
  if (idx >= 0 && idx < 10_000) dateCache[idx] = s;
  return s;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(toDayNumber(date) + days);
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return toDayNumber(b) - toDayNumber(a);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: LocalDate): number {
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}

export const WEEKDAY_NAMES = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
] as const;
export type WeekdayName = (typeof WEEKDAY_NAMES)[number];

export function maxDate(a: LocalDate, b: LocalDate): LocalDate {
  return a >= b ? a : b;
}

export function minDate(a: LocalDate, b: LocalDate): LocalDate {
  return a <= b ? a : b;
}

/** `HH:MM` → minutes after midnight. */
const clockCache = new Map<string, number>();
export function parseClock(hhmm: string): number {
  const hit = clockCache.get(hhmm);
  if (hit !== undefined) return hit;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new Error(`not a local time HH:MM: ${hhmm}`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  clockCache.set(hhmm, minutes);
  return minutes;
}

export function isClock(value: unknown): value is string {
  return typeof value === 'string' && /^([01]\d|2[0-3]):([0-5]\d)$/.test(value);
}
