/**
 * Local time in IANA zones. A local date and minute-of-day map to exactly one instant:
 * a time that does not exist (DST gap) moves to the first valid instant after it, and a
 * time that occurs twice (DST overlap) uses the earlier instant (SPEC R3).
 */
import { IANAZone } from 'luxon';
import { fromDayNumber, toDayNumber, type LocalDate } from './dates.js';

const MS_PER_MIN = 60_000;
const MS_PER_DAY = 86_400_000;

const zones = new Map<string, IANAZone>();
function zone(name: string): IANAZone {
  let z = zones.get(name);
  if (!z) {
    z = IANAZone.create(name);
    if (!z.isValid) throw new Error(`unknown time zone ${name}`);
    zones.set(name, z);
  }
  return z;
}

// Offsets change at most a few times a year; cache them per zone and UTC hour.
const offsetCache = new Map<string, Map<number, number>>();
/** UTC offset in minutes of `zoneName` at epoch milliseconds `ms`. */
export function offsetAt(zoneName: string, ms: number): number {
  let byHour = offsetCache.get(zoneName);
  if (!byHour) {
    byHour = new Map();
    offsetCache.set(zoneName, byHour);
  }
  const hour = Math.floor(ms / 3_600_000);
  // Transitions happen on whole hours (or half hours in a few zones): key by 15 minutes
  // only around the rare sub-hour offsets is not worth it; use exact lookups when the
  // hour's start and end disagree.
  let off = byHour.get(hour);
  if (off === undefined) {
    const a = zone(zoneName).offset(hour * 3_600_000);
    const b = zone(zoneName).offset(hour * 3_600_000 + 3_599_999);
    if (a !== b) return zone(zoneName).offset(ms);
    off = a;
    if (byHour.size > 100_000) byHour.clear();
    byHour.set(hour, off);
  }
  return off;
}

/** The instant (epoch ms) of local `date` at `minutes` after midnight in `zoneName`. */
export function localToEpoch(date: LocalDate, minutes: number, zoneName: string): number {
  const wall = toDayNumber(date) * MS_PER_DAY + minutes * MS_PER_MIN;
  const before = offsetAt(zoneName, wall - MS_PER_DAY);
  const after = offsetAt(zoneName, wall + MS_PER_DAY);
  const candidates: number[] = [];
  for (const off of before === after ? [before] : [before, after]) {
    const t = wall - off * MS_PER_MIN;
    if (offsetAt(zoneName, t) === off) candidates.push(t);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  // DST gap: the first valid instant after the missing wall time is the transition.
  let lo = wall - before * MS_PER_MIN - MS_PER_DAY / 12;
  let hi = wall - after * MS_PER_MIN + MS_PER_DAY / 12;
  if (lo > hi) [lo, hi] = [hi, lo];
  const offLo = offsetAt(zoneName, lo);
  while (hi - lo > MS_PER_MIN) {
    const mid = Math.floor((lo + hi) / 2 / MS_PER_MIN) * MS_PER_MIN;
    if (mid <= lo || mid >= hi) break;
    if (offsetAt(zoneName, mid) === offLo) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Local date and minute-of-day of epoch ms in `zoneName`. */
export function epochToLocal(ms: number, zoneName: string): { date: LocalDate; minutes: number } {
  const local = ms + offsetAt(zoneName, ms) * MS_PER_MIN;
  const day = Math.floor(local / MS_PER_DAY);
  return { date: fromDayNumber(day), minutes: Math.floor((local - day * MS_PER_DAY) / MS_PER_MIN) };
}

/** ISO-8601 UTC with `Z`, second precision. */
const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** ISO-8601 UTC to the second (`2026-10-06T16:00:00Z`); hot in the evaluator, so no Date. */
export function epochToIso(ms: number): string {
  const day = Math.floor(ms / MS_PER_DAY);
  const secs = Math.floor((ms - day * MS_PER_DAY) / 1000);
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  return `${fromDayNumber(day)}T${two(h)}:${two(m)}:${two(secs % 60)}Z`;
}

export function isoToEpoch(iso: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`not an ISO instant: ${iso}`);
  return t;
}
