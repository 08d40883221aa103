/**
 * R3 send windows: messages (and e-delivered documents) outside `sendWindow`
 * (end-exclusive, recipient-local) or on `quietDays` move to the next allowed instant.
 * R11 frequency caps: at most `max` attempts per contact and channel in any `perDays`.
 * The evaluator plans with these rules; the dispatch-time re-check applies them again at
 * the instant an item really goes.
 */
import { addDays, parseClock, WEEKDAY_NAMES, weekday } from '../dates.js';
import type { Policy } from '../policy/schema.js';
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

/** The policy's send window and quiet days. */
export function sendWindowOf(policy: Pick<Policy, 'sendWindow' | 'quietDays'>): SendWindow {
  return {
    startMinutes: parseClock(policy.sendWindow.start),
    endMinutes: parseClock(policy.sendWindow.end),
    quietDays: new Set(policy.quietDays.map((q) => WEEKDAY_NAMES.indexOf(q))),
  };
}

export interface FrequencyCap {
  max: number;
  perDays: number;
}

/** Reg F, 12 CFR §1006.14(b)(2): seven call attempts in seven days. */
export const DEFAULT_VOICE_CAP: FrequencyCap = { max: 7, perDays: 7 };

/** The cap on a channel: the policy's, else the Reg F default for voice. */
export function frequencyCapOf(
  policy: Pick<Policy, 'frequencyCaps'>,
  channel: string,
): FrequencyCap | undefined {
  return (
    policy.frequencyCaps[channel as keyof Policy['frequencyCaps']] ??
    (channel === 'voice' ? DEFAULT_VOICE_CAP : undefined)
  );
}

/**
 * The first instant at or after `ms` at which one more attempt fits under `cap`, given the
 * earlier attempts (epoch ms, ascending): the oldest attempt in the window must age out.
 */
export function capAllowsAt(attempts: readonly number[], ms: number, cap: FrequencyCap): number {
  const span = cap.perDays * 86_400_000;
  const inWindow = attempts.filter((t) => t > ms - span);
  if (inWindow.length < cap.max) return ms;
  return inWindow[inWindow.length - cap.max]! + span;
}
