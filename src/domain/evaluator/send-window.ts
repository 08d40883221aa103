/**
 * R3 send windows: messages (and e-delivered documents) outside `sendWindow`
 * (end-exclusive, recipient-local) or on `quietDays` move to the next allowed instant.
 */
import { addDays, weekday } from '../dates.js';
import { epochToLocal, localToEpoch } from '../time.js';

export interface SendWindow {
  startMinutes: number;
  endMinutes: number;
  /** Weekday numbers (0 = Sunday) on which nothing is sent. */
  quietDays: ReadonlySet<number>;
}

/** The first instant at or after `ms` inside the window, in time zone `zone`. */
export function nextAllowedEpoch(ms: number, zone: string, window: SendWindow): number {
  if (window.startMinutes >= window.endMinutes) return ms;
  let { date, minutes } = epochToLocal(ms, zone);
  let candidate = ms;
  for (let i = 0; i < 15; i++) {
    const quiet = window.quietDays.has(weekday(date));
    if (!quiet && minutes >= window.startMinutes && minutes < window.endMinutes) return candidate;
    if (!quiet && minutes < window.startMinutes) {
      candidate = localToEpoch(date, window.startMinutes, zone);
    } else {
      date = addDays(date, 1);
      candidate = localToEpoch(date, window.startMinutes, zone);
    }
    ({ date, minutes } = epochToLocal(candidate, zone));
  }
  return candidate;
}
