/** Which events of a paid-up lease still need the evaluator (`eventsAtRest`). */
import { describe, expect, it } from 'vitest';
import { portfolioEvent, type PortfolioEvent } from '../portfolio/schema.js';
import { eventsAtRest } from './events-at-rest.js';

const TODAY = '2026-11-05';
const ev = (e: Record<string, unknown>): PortfolioEvent =>
  portfolioEvent.parse({ leaseId: 'L1', ...e });
const atRest = (...events: Record<string, unknown>[]) => eventsAtRest(events.map(ev), TODAY);

describe('events at rest on a paid-up lease', () => {
  it('an old reply, flag, delivery or approval is at rest', () => {
    expect(
      atRest({ date: '2026-10-07', type: 'reply', channel: 'sms', text: "I'll pay Friday" }),
    ).toBe(true);
    expect(atRest({ date: '2026-10-07', type: 'reply', channel: 'sms', text: 'STOP' })).toBe(true);
    expect(atRest({ date: '2026-10-02', type: 'flag' })).toBe(true);
    expect(
      atRest({ date: '2026-10-02', type: 'delivery', status: 'bounced', channel: 'sms' }),
    ).toBe(true);
    expect(atRest({ date: '2026-10-02', type: 'approve', key: 'L1:1:s:sms' })).toBe(true);
  });

  it('an event dated later is not: it takes effect on its date', () => {
    expect(atRest({ date: '2026-11-06', type: 'flag' })).toBe(false);
  });

  it('a promise is at rest once its until date has passed, kept or broken', () => {
    expect(atRest({ date: '2026-10-09', type: 'promise', until: '2026-10-16' })).toBe(true);
    expect(atRest({ date: '2026-10-30', type: 'promise', until: TODAY })).toBe(false);
  });

  it('a dispute is at rest only once released, on a later day', () => {
    const dispute = { date: '2026-09-12', type: 'dispute' };
    expect(atRest(dispute)).toBe(false);
    expect(atRest(dispute, { date: '2026-09-25', type: 'release', hold: 'dispute' })).toBe(true);
    expect(atRest(dispute, { date: '2026-09-12', type: 'release', hold: 'dispute' })).toBe(false);
    expect(atRest(dispute, { date: '2026-09-25', type: 'release', hold: 'manual' })).toBe(false);
  });

  it('a reply that asks for a person places a review hold that stays until released', () => {
    const paidClaim = {
      date: '2026-10-07',
      type: 'reply',
      channel: 'sms',
      text: 'I already paid this on the 3rd',
    };
    expect(atRest(paidClaim)).toBe(false);
    expect(atRest(paidClaim, { date: '2026-10-08', type: 'release', hold: 'review' })).toBe(true);
  });

  it('a hold is at rest after its until date; a grace status after the next status', () => {
    expect(
      atRest({ date: '2026-10-01', type: 'hold', hold: 'hardship', until: '2026-11-04' }),
    ).toBe(true);
    expect(atRest({ date: '2026-10-01', type: 'hold', hold: 'hardship', until: TODAY })).toBe(
      false,
    );
    const grace = { date: '2026-10-01', type: 'status', status: 'grace' };
    expect(atRest(grace)).toBe(false);
    expect(atRest(grace, { date: '2026-10-10', type: 'status', status: 'current' })).toBe(true);
  });

  it('a plan is at rest after its last installment', () => {
    const plan = (last: string) => ({
      date: '2026-10-01',
      type: 'plan',
      installments: [
        { dueDate: '2026-10-15', amountCents: 5000 },
        { dueDate: last, amountCents: 5000 },
      ],
    });
    expect(atRest(plan('2026-11-01'))).toBe(true);
    expect(atRest(plan(TODAY))).toBe(false);
  });

  it('bankruptcy, a close and a returned notice always go to the evaluator', () => {
    expect(atRest({ date: '2026-09-01', type: 'status', status: 'bankruptcy' })).toBe(false);
    expect(atRest({ date: '2026-09-01', type: 'close', outcome: 'written_off' })).toBe(false);
    expect(atRest({ date: '2026-09-01', type: 'delivery', status: 'returned' })).toBe(false);
  });
});
