/** R3 send windows and R11 frequency caps, the rules the evaluator and the dispatch re-check share. */
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/read.js';
import {
  capAllowsAt,
  DEFAULT_VOICE_CAP,
  frequencyCapOf,
  nextAllowedEpoch,
  sendWindowOf,
} from './send-window.js';

const DAY = 86_400_000;
const policy = parsePolicy(
  `id: p
appliesTo: {jurisdiction: US-CA, kind: residential}
sendWindow: {start: '09:00', end: '18:00'}
quietDays: [sunday]
frequencyCaps: {sms: {max: 2, perDays: 3}}
stages:
  - id: s
    day: 5
    actions:
      - {id: sms, type: message, channel: sms, template: late-notice}
`,
  'p.yaml',
);

describe('send window at the instant of sending', () => {
  it('a Saturday 19:30 text in Los Angeles waits for Monday 09:00 (Sunday is quiet)', () => {
    const saturdayEvening = Date.parse('2026-10-11T02:30:00Z'); // Sat 10 Oct, 19:30 PDT
    expect(
      new Date(
        nextAllowedEpoch(saturdayEvening, 'America/Los_Angeles', sendWindowOf(policy)),
      ).toISOString(),
    ).toBe('2026-10-12T16:00:00.000Z');
  });

  it('across the end of daylight saving time the window opens at 09:00 local standard time', () => {
    const sundayNight = Date.parse('2026-11-02T05:00:00Z'); // Sun 1 Nov, 21:00 PST
    expect(
      new Date(
        nextAllowedEpoch(sundayNight, 'America/Los_Angeles', sendWindowOf(policy)),
      ).toISOString(),
    ).toBe('2026-11-02T17:00:00.000Z');
  });
});

describe('frequency caps', () => {
  it('the policy cap applies per channel; voice falls back to Reg F seven in seven days', () => {
    expect(frequencyCapOf(policy, 'sms')).toEqual({ max: 2, perDays: 3 });
    expect(frequencyCapOf(policy, 'voice')).toEqual(DEFAULT_VOICE_CAP);
    expect(frequencyCapOf(policy, 'email')).toBeUndefined();
  });

  it('a third text inside three days waits until the oldest of the two ages out', () => {
    const now = Date.parse('2026-10-10T17:00:00Z');
    const attempts = [now - 2 * DAY, now - DAY];
    expect(capAllowsAt(attempts, now, { max: 2, perDays: 3 })).toBe(now + DAY);
    expect(capAllowsAt([now - 4 * DAY, now - DAY], now, { max: 2, perDays: 3 })).toBe(now);
  });
});
