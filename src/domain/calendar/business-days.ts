/**
 * Business-day arithmetic (SPEC R3): a business day is Monday–Friday and not a holiday of
 * the given calendar (see `holidays.ts`). Offsets count from the day strictly after the
 * base date.
 */
import { addDays, fromDayNumber, type LocalDate, toDayNumber } from '../dates.js';
import { isHoliday } from './holidays.js';

export type OffsetCalendar = 'calendar' | 'business';

/** Weekday of a day number: 0 = Sunday … 6 = Saturday. */
function weekdayOfDayNumber(n: number): number {
  return (((n + 4) % 7) + 7) % 7;
}

function isBusinessDayNumber(n: number, calendarId: string): boolean {
  const wd = weekdayOfDayNumber(n);
  return wd !== 0 && wd !== 6 && !isHoliday(fromDayNumber(n), calendarId);
}

/** Monday–Friday and not a holiday of `calendarId`. */
export function isBusinessDay(date: LocalDate, calendarId: string): boolean {
  return isBusinessDayNumber(toDayNumber(date), calendarId);
}

/**
 * The date `n` business days after `date`: day 1 is the first business day strictly after
 * `date` (SPEC R3), so the base date itself never counts. `n = 0` returns `date` unchanged.
 * A negative `n` counts backwards the same way (day −1 is the last business day strictly
 * before `date`).
 */
export function addBusinessDays(date: LocalDate, n: number, calendarId: string): LocalDate {
  if (!Number.isInteger(n)) throw new Error(`business-day offset must be an integer: ${n}`);
  if (n === 0) return date;
  const step = n > 0 ? 1 : -1;
  let left = Math.abs(n);
  let day = toDayNumber(date);
  while (left > 0) {
    day += step;
    if (isBusinessDayNumber(day, calendarId)) left--;
  }
  return fromDayNumber(day);
}

/** `date` itself when it is a business day, else the next business day after it. */
export function nextBusinessDayOnOrAfter(date: LocalDate, calendarId: string): LocalDate {
  let day = toDayNumber(date);
  while (!isBusinessDayNumber(day, calendarId)) day++;
  return fromDayNumber(day);
}

/** `n` calendar days or `n` business days (day 1 strictly after `date`) after `date`. */
export function addOffset(
  date: LocalDate,
  n: number,
  calendar: OffsetCalendar,
  calendarId: string,
): LocalDate {
  return calendar === 'business' ? addBusinessDays(date, n, calendarId) : addDays(date, n);
}
