/**
 * Fuzzing the reply classifier (SPEC R12) beyond the robustness property of
 * src/domain/replies/classify.test.ts (any string gets an intent of the list; one long reply
 * stays fast): the answer depends on the reply alone — not on the replies classified before
 * it (no regular expression carries state from one call to the next) — and replies built to
 * make regular expressions backtrack (long runs of digits, separators, money and date
 * fragments, combining marks, joiners, mixed scripts) are classified in bounded time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyReply, INTENT_PRECEDENCE } from '../../src/domain/replies/classify.js';

const WED = '2026-10-07';

const fragments = fc.constantFrom(
  '1',
  '1,',
  '1.',
  '$',
  ' ',
  '  ',
  'pay ',
  'I will pay ',
  'le pago el ',
  'de ',
  '10/',
  '15th ',
  'in 3 days ',
  'hundred ',
  'mil ',
  'dólares ',
  'and ',
  'stop ',
  'STOPALL',
  'baja',
  'no me manden ',
  'ya pagué ',
  'lawyer ',
  'f***',
  '#',
  '|',
  '?',
  '.',
  '-',
  '\n',
  '\r\n',
  'aaaa',
  '\u0301',
  '\u200d',
  '\u202e',
  '\ufeff',
  '👍🏽',
  '🛑',
  '👨‍👩‍👧',
  'ﬁ',
  '①',
  '𝟙𝟘',
  '日本語',
  'оплачу',
  'سأدفع',
  'ñ',
);

const reply = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.array(fragments, { maxLength: 60 }).map((f) => f.join('')),
);

/** A reply of about `length` characters repeating one or two fragments: backtracking bait. */
const bait = fc
  .tuple(fragments, fragments, fc.integer({ min: 1_000, max: 20_000 }))
  .map(([a, b, length]) => (a + b).repeat(Math.ceil(length / (a + b).length)).slice(0, length));

describe('reply classifier under fuzzing (SPEC R12)', () => {
  it('classifies a reply the same whatever was classified before it', () => {
    fc.assert(
      fc.property(reply, fc.array(reply, { maxLength: 5 }), (text, before) => {
        const alone = classifyReply(text, WED);
        for (const other of before) classifyReply(other, WED);
        expect(classifyReply(text, WED)).toEqual(alone);
      }),
      { numRuns: 200 },
    );
  });

  it('replies built to make regular expressions backtrack are classified in bounded time', () => {
    let slowest = 0;
    fc.assert(
      fc.property(bait, (text) => {
        const started = performance.now();
        const r = classifyReply(text, WED);
        slowest = Math.max(slowest, performance.now() - started);
        expect(INTENT_PRECEDENCE).toContain(r.intent);
      }),
      { numRuns: 60 },
    );
    // Linear regular expressions take a few milliseconds here; catastrophic backtracking
    // on 20,000 characters takes seconds to forever. Generous for a busy 2-core machine.
    expect(slowest).toBeLessThan(1_500);
  });
});
