/**
 * Holiday calendars for business-day and court-day counting.
 *
 * Calendar ids:
 * - `US`    — the 11 federal public holidays (5 U.S.C. §6103(a)) on their actual dates plus
 *             their observed dates (a Saturday holiday is observed the Friday before, a Sunday
 *             holiday the Monday after, §6103(b)); no observances or optional days.
 * - `US-XX` — the `US` set plus the public holidays (with substitutes) that `date-holidays`
 *             lists for that state, e.g. `US-CA` adds César Chávez Day and the day after
 *             Thanksgiving.
 * - `none`  — no holidays.
 *
 * Each (calendar, year) is computed once and kept in a module-level Map, so after the first
 * call for a year `isHoliday` is a Set lookup. The caches hold derived, immutable data only.
 */
import Holidays from 'date-holidays';
import { addDays, type LocalDate, weekday } from '../dates.js';

export const NO_HOLIDAYS = 'none';
export const FEDERAL_CALENDAR = 'US';

const STATE_RE = /^US-([A-Z]{2})$/;

type YearSets = Map<number, ReadonlySet<LocalDate>>;

/** calendarId → year → holiday dates. */
const cache = new Map<string, YearSets>();
/** date-holidays instances, one per country/state. */
const sources = new Map<string, Holidays>();
let usStates: ReadonlySet<string> | undefined;

function stateCodes(): ReadonlySet<string> {
  if (usStates === undefined) {
    usStates = new Set(Object.keys(source(FEDERAL_CALENDAR).getStates('US')));
  }
  return usStates;
}

function source(calendarId: string): Holidays {
  let hd = sources.get(calendarId);
  if (hd === undefined) {
    const m = STATE_RE.exec(calendarId);
    hd = m ? new Holidays('US', m[1] as string) : new Holidays('US');
    sources.set(calendarId, hd);
  }
  return hd;
}

/** Whether `calendarId` names a holiday calendar: `none`, `US` or `US-XX` for a US state/DC. */
export function isKnownCalendar(calendarId: string): boolean {
  if (calendarId === NO_HOLIDAYS || calendarId === FEDERAL_CALENDAR) return true;
  const m = STATE_RE.exec(calendarId);
  return m !== null && stateCodes().has(m[1] as string);
}

function assertKnown(calendarId: string): void {
  if (!isKnownCalendar(calendarId)) {
    throw new Error(
      `unknown holiday calendar "${calendarId}": use US (federal), US-XX for a state (e.g. US-CA) or none`,
    );
  }
}

/** Public-holiday dates of one date-holidays source in `year` (substitutes included). */
function publicDates(calendarId: string, year: number, substitutes: boolean): LocalDate[] {
  const out: LocalDate[] = [];
  for (const h of source(calendarId).getHolidays(year)) {
    if (h.type !== 'public') continue;
    if (!substitutes && h.substitute) continue;
    out.push(h.date.slice(0, 10));
  }
  return out;
}

/** The federal observed date of a holiday falling on `date` (5 U.S.C. §6103(b)). */
function observed(date: LocalDate): LocalDate {
  const wd = weekday(date);
  if (wd === 6) return addDays(date, -1);
  if (wd === 0) return addDays(date, 1);
  return date;
}

function federalYear(year: number): Set<LocalDate> {
  const set = new Set<LocalDate>();
  const prefix = `${String(year).padStart(4, '0')}-`;
  // date-holidays' own observed substitutes (it omits one for Veterans Day, so the
  // §6103(b) rule is applied to every actual date as well). New Year's Day of the next
  // year can be observed on 31 December of this one.
  for (const d of publicDates(FEDERAL_CALENDAR, year, true)) set.add(d);
  for (const y of [year - 1, year, year + 1]) {
    for (const d of publicDates(FEDERAL_CALENDAR, y, false)) {
      if (d.startsWith(prefix)) set.add(d);
      const o = observed(d);
      if (o.startsWith(prefix)) set.add(o);
    }
  }
  return set;
}

function computeYear(calendarId: string, year: number): ReadonlySet<LocalDate> {
  if (calendarId === NO_HOLIDAYS) return new Set();
  const set = federalYear(year);
  if (calendarId !== FEDERAL_CALENDAR) {
    for (const d of publicDates(calendarId, year, true)) set.add(d);
  }
  return set;
}

function yearSets(calendarId: string): YearSets {
  let byYear = cache.get(calendarId);
  if (byYear === undefined) {
    assertKnown(calendarId);
    byYear = new Map();
    cache.set(calendarId, byYear);
  }
  return byYear;
}

function holidaySet(calendarId: string, year: number): ReadonlySet<LocalDate> {
  const byYear = yearSets(calendarId);
  let set = byYear.get(year);
  if (set === undefined) {
    set = computeYear(calendarId, year);
    byYear.set(year, set);
  }
  return set;
}

/** Year of a `YYYY-MM-DD` date without allocating. */
function yearOf(date: LocalDate): number {
  return (
    (date.charCodeAt(0) - 48) * 1000 +
    (date.charCodeAt(1) - 48) * 100 +
    (date.charCodeAt(2) - 48) * 10 +
    (date.charCodeAt(3) - 48)
  );
}

// The evaluator asks about one calendar and year many times in a row: remember the last set.
let lastCalendar = '';
let lastYear = -1;
let lastSet: ReadonlySet<LocalDate> = new Set();

/** Whether `date` is a holiday (actual or observed) in `calendarId`. Throws for an unknown id. */
export function isHoliday(date: LocalDate, calendarId: string): boolean {
  const year = yearOf(date);
  if (year !== lastYear || calendarId !== lastCalendar) {
    lastSet = holidaySet(calendarId, year);
    lastCalendar = calendarId;
    lastYear = year;
  }
  return lastSet.has(date);
}

/** Every holiday date of `year` in `calendarId`, sorted, without duplicates. */
export function holidaysIn(year: number, calendarId: string): LocalDate[] {
  return [...holidaySet(calendarId, year)].sort();
}
