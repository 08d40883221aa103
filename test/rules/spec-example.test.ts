import { describe, expect, it } from 'vitest';
import { payment, policy, portfolio, run } from '../support/build.js';

describe('the example of SPEC 9', () => {
  // Oct 1 rent due; Oct 6 SMS at 09:00 Los Angeles; Oct 7 tenant replies "I'll pay Friday";
  // Oct 8 promise until Oct 16; Oct 12 payment in full; the case closes.
  const p = portfolio({
    ledger: [
      {
        id: 'C1',
        leaseId: 'L1',
        date: '2026-10-01',
        type: 'charge',
        category: 'rent',
        amountCents: 150000,
        dueDate: '2026-10-01',
      },
      payment('P9', '2026-10-12', 150000),
    ],
    events: [
      { leaseId: 'L1', date: '2026-10-07', type: 'reply', channel: 'sms', text: "I'll pay Friday" },
      {
        leaseId: 'L1',
        date: '2026-10-08',
        type: 'promise',
        amountCents: 150000,
        until: '2026-10-16',
      },
    ],
  });
  const result = run(p, policy(), '2026-10-01', '2026-11-30');

  it('sends the late-notice SMS on day 5 at 09:00 local time', () => {
    expect(result.actions).toEqual([
      expect.objectContaining({
        leaseId: 'L1',
        episode: 1,
        stage: 'late-notice',
        action: 'sms',
        type: 'message',
        channel: 'sms',
        date: '2026-10-06',
        at: '2026-10-06T16:00:00Z',
        status: 'due',
        reason: null,
        requiresApproval: true,
        amountCents: null,
        deferredFrom: null,
        key: 'L1:1:late-notice:sms',
      }),
    ]);
  });

  it('opens the case the day after the due date and closes it on the payment date', () => {
    expect(result.episodes).toEqual([
      expect.objectContaining({
        leaseId: 'L1',
        episode: 1,
        opened: '2026-10-02',
        anchor: '2026-10-01',
        closed: '2026-10-12',
        outcome: 'paid',
      }),
    ]);
  });

  it('classifies the reply, holds for the promise and records it kept', () => {
    const ev = result.events.map((e) =>
      [e.date, e.type, e.hold ?? e.intent ?? e.outcome ?? ''].join(' '),
    );
    expect(ev).toEqual([
      '2026-10-02 case_opened ',
      '2026-10-07 reply_classified promise_to_pay',
      '2026-10-08 hold_started promise',
      '2026-10-12 promise_kept promise',
      '2026-10-12 hold_released promise',
      '2026-10-12 case_closed paid',
    ]);
    expect(result.events[1]).toMatchObject({ promisedDate: '2026-10-09', channel: 'sms' });
  });
});
