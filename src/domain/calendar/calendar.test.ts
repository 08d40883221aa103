import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, fromDayNumber, toDayNumber, weekday } from '../dates.js';
import {
  addBusinessDays,
  addOffset,
  isBusinessDay,
  nextBusinessDayOnOrAfter,
} from './business-days.js';
import { holidaysIn, isHoliday, isKnownCalendar } from './holidays.js';

describe('holiday calendars', () => {
  it('US 2026: the 11 federal holidays, with Independence Day observed on Friday 3 July', () => {
    expect(holidaysIn(2026, 'US')).toEqual([
      '2026-01-01', // New Year's Day
      '2026-01-19', // Martin Luther King Jr. Day
      '2026-02-16', // Washington's Birthday
      '2026-05-25', // Memorial Day
      '2026-06-19', // Juneteenth
      '2026-07-03', // Independence Day (observed)
      '2026-07-04', // Independence Day (Saturday)
      '2026-09-07', // Labor Day
      '2026-10-12', // Columbus Day
      '2026-11-11', // Veterans Day
      '2026-11-26', // Thanksgiving Day
      '2026-12-25', // Christmas Day
    ]);
    expect(isHoliday('2026-07-03', 'US')).toBe(true);
    expect(isHoliday('2026-11-26', 'US')).toBe(true);
  });

  it('US excludes observances and optional days', () => {
    for (const d of ['2026-02-14', '2026-04-05', '2026-10-31', '2026-11-27', '2026-12-24']) {
      expect(isHoliday(d, 'US'), d).toBe(false);
    }
    expect(isHoliday('2026-12-31', 'US')).toBe(false);
  });

  it('US 2027: Christmas observed 24 Dec, New Year 2028 observed 31 Dec 2027', () => {
    const y2027 = holidaysIn(2027, 'US');
    expect(y2027).toContain('2027-12-24');
    expect(y2027).toContain('2027-12-31');
    expect(y2027).toContain('2027-06-18'); // Juneteenth on Saturday
    expect(y2027).toContain('2027-07-05'); // Independence Day on Sunday
    expect(isHoliday('2027-12-31', 'US')).toBe(true);
    expect(isHoliday('2027-12-24', 'US')).toBe(true);
    // New Year 2028 (a Saturday) belongs to 2028 itself; its observed day to 2027.
    expect(holidaysIn(2028, 'US')).toContain('2028-01-01');
    expect(holidaysIn(2028, 'US')).not.toContain('2027-12-31');
  });

  it('US observes Veterans Day on a Saturday the Friday before (5 U.S.C. §6103(b))', () => {
    expect(isHoliday('2028-11-10', 'US')).toBe(true);
    expect(isHoliday('2029-11-12', 'US')).toBe(true); // 2029-11-11 is a Sunday
  });

  it('each year holds the 11 federal holidays (Juneteenth from 2021) plus observed days, inside the year', () => {
    for (let y = 2020; y <= 2040; y++) {
      const days = holidaysIn(y, 'US');
      // 11 holidays; a weekend holiday adds its observed weekday. Juneteenth from 2021.
      expect(days.length, String(y)).toBeGreaterThanOrEqual(y >= 2021 ? 11 : 10);
      expect(days.length, String(y)).toBeLessThanOrEqual(18);
      for (const d of days) expect(d.startsWith(`${y}-`), d).toBe(true);
    }
  });

  it('US-CA adds César Chávez Day and the day after Thanksgiving', () => {
    const ca = holidaysIn(2026, 'US-CA');
    expect(ca).toContain('2026-03-31');
    expect(ca).toContain('2026-11-27');
    expect(isHoliday('2026-03-31', 'US-CA')).toBe(true);
    expect(isHoliday('2026-11-27', 'US-CA')).toBe(true);
    expect(isHoliday('2026-03-31', 'US')).toBe(false);
    // Federal set kept, including Columbus Day, which date-holidays omits for California.
    for (const d of holidaysIn(2026, 'US')) expect(ca).toContain(d);
    // No observances (Harvey Milk Day, Malcolm X Day).
    expect(isHoliday('2026-05-23', 'US-CA')).toBe(false);
    expect(isHoliday('2026-05-19', 'US-CA')).toBe(false);
  });

  it('US-TX is the federal set plus Texas public holidays', () => {
    const tx = holidaysIn(2026, 'US-TX');
    for (const d of holidaysIn(2026, 'US')) expect(tx).toContain(d);
    expect(tx).toContain('2026-11-27');
    expect(tx).toContain('2026-12-24');
    expect(tx).toContain('2026-12-26');
    expect(isHoliday('2026-03-02', 'US-TX')).toBe(false); // Texas Independence Day: observance
  });

  it('none has no holidays', () => {
    expect(holidaysIn(2026, 'none')).toEqual([]);
    expect(isHoliday('2026-12-25', 'none')).toBe(false);
  });

  it('knows its calendars and names an unknown one', () => {
    expect(isKnownCalendar('US')).toBe(true);
    expect(isKnownCalendar('US-CA')).toBe(true);
    expect(isKnownCalendar('US-DC')).toBe(true);
    expect(isKnownCalendar('none')).toBe(true);
    expect(isKnownCalendar('US-ZZ')).toBe(false);
    expect(isKnownCalendar('us-ca')).toBe(false);
    expect(isKnownCalendar('DE')).toBe(false);
    expect(() => isHoliday('2026-01-01', 'US-ZZ')).toThrow(/US-ZZ/);
    expect(() => holidaysIn(2026, 'Mars')).toThrow(/Mars/);
  });

  it('holidaysIn returns a copy', () => {
    const list = holidaysIn(2026, 'US');
    list.push('2026-01-02');
    expect(isHoliday('2026-01-02', 'US')).toBe(false);
  });
});

describe('business days', () => {
  it('is Monday to Friday and not a holiday', () => {
    expect(isBusinessDay('2026-11-20', 'US')).toBe(true); // Friday
    expect(isBusinessDay('2026-11-21', 'US')).toBe(false); // Saturday
    expect(isBusinessDay('2026-11-22', 'US')).toBe(false); // Sunday
    expect(isBusinessDay('2026-11-26', 'US')).toBe(false); // Thanksgiving
    expect(isBusinessDay('2026-11-27', 'US')).toBe(true);
    expect(isBusinessDay('2026-11-27', 'US-CA')).toBe(false);
    expect(isBusinessDay('2026-11-26', 'none')).toBe(true);
  });

  it('counts from the first business day strictly after the base date (R3)', () => {
    // Fri 20 Nov 2026 + 5: Mon 23, Tue 24, Wed 25, (Thu 26 Thanksgiving), Fri 27, Mon 30.
    expect(addBusinessDays('2026-11-20', 5, 'US')).toBe('2026-11-30');
    // In California the day after Thanksgiving is a holiday too: … Mon 30, Tue 1 Dec.
    expect(addBusinessDays('2026-11-20', 5, 'US-CA')).toBe('2026-12-01');
    expect(addBusinessDays('2026-11-20', 5, 'none')).toBe('2026-11-27');
    expect(addBusinessDays('2026-11-20', 1, 'US')).toBe('2026-11-23');
    // From a weekend or holiday base, day 1 is still the next business day.
    expect(addBusinessDays('2026-11-21', 1, 'US')).toBe('2026-11-23');
    expect(addBusinessDays('2026-11-26', 1, 'US')).toBe('2026-11-27');
    // Across the 2027 year end: Thu 23 Dec → (Fri 24 observed Christmas) Mon 27 … Thu 30,
    // (Fri 31 observed New Year), Mon 3 Jan 2028.
    expect(addBusinessDays('2027-12-23', 5, 'US')).toBe('2028-01-03');
  });

  it('n = 0 returns the base date, even on a weekend', () => {
    expect(addBusinessDays('2026-11-21', 0, 'US')).toBe('2026-11-21');
  });

  it('counts backwards for negative n', () => {
    expect(addBusinessDays('2026-11-30', -1, 'US')).toBe('2026-11-27');
    expect(addBusinessDays('2026-11-30', -5, 'US')).toBe('2026-11-20');
  });

  it('rejects a fractional offset', () => {
    expect(() => addBusinessDays('2026-11-20', 1.5, 'US')).toThrow();
  });

  it('nextBusinessDayOnOrAfter', () => {
    expect(nextBusinessDayOnOrAfter('2026-11-20', 'US')).toBe('2026-11-20');
    expect(nextBusinessDayOnOrAfter('2026-11-26', 'US')).toBe('2026-11-27');
    expect(nextBusinessDayOnOrAfter('2026-11-26', 'US-CA')).toBe('2026-11-30');
    expect(nextBusinessDayOnOrAfter('2027-12-24', 'US')).toBe('2027-12-27');
  });

  it('addOffset dispatches on the policy calendar', () => {
    expect(addOffset('2026-11-20', 5, 'calendar', 'US')).toBe('2026-11-25');
    expect(addOffset('2026-11-20', 5, 'business', 'US')).toBe('2026-11-30');
    expect(addOffset('2026-11-20', 0, 'business', 'US')).toBe('2026-11-20');
  });

  it('property: n business days later is a business day, after the base, with exactly n business days in between', () => {
    const base = toDayNumber('2024-01-01');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom('US', 'US-CA', 'US-TX', 'none'),
        (offset, n, cal) => {
          const start = fromDayNumber(base + offset);
          const end = addBusinessDays(start, n, cal);
          expect(isBusinessDay(end, cal)).toBe(true);
          expect(end > start).toBe(true);
          let count = 0;
          for (let d = addDays(start, 1); d <= end; d = addDays(d, 1)) {
            if (isBusinessDay(d, cal)) count++;
          }
          expect(count).toBe(n);
          expect(weekday(end)).not.toBe(0);
          expect(addBusinessDays(end, -n, cal) <= start).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
