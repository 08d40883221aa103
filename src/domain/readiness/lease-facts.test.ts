import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { payment, policy, portfolio, rent } from '../../../test/support/build.js';
import { addDays } from '../dates.js';
import { evaluateLease } from '../evaluator/lease-run.js';
import { leaseInputs } from '../evaluator/simulate.js';
import type { PortfolioInput } from '../portfolio/schema.js';
import { leaseFactsOn } from './lease-facts.js';

function inputOf(over: Partial<PortfolioInput>) {
  const input = leaseInputs(portfolio(over), [policy()]).inputs[0];
  if (!input) throw new Error('no lease input');
  return input;
}

describe('lease facts on a run date', () => {
  it('a grace status holds until the next status event', () => {
    const input = inputOf({
      events: [
        { leaseId: 'L1', date: '2026-10-03', type: 'status', status: 'grace' },
        { leaseId: 'L1', date: '2026-10-08', type: 'status', status: 'current' },
      ],
    });
    expect(leaseFactsOn(input, '2026-10-07').holdsInForce.map((h) => h.type)).toEqual(['manual']);
    expect(leaseFactsOn(input, '2026-10-08').holdsInForce).toEqual([]);
  });

  it('a returned certified letter for a required stage places a service_failed hold', () => {
    const input = leaseInputs(
      portfolio({
        events: [
          {
            leaseId: 'L1',
            date: '2026-10-12',
            type: 'delivery',
            status: 'returned',
            key: 'L1:1:notice:doc/T1/certified_mail',
          },
        ],
      }),
      [
        policy({
          stages: [
            {
              id: 'notice',
              day: 3,
              required: true,
              actions: [
                {
                  id: 'doc',
                  type: 'document',
                  template: 'pay-or-quit-notice',
                  delivery: ['certified_mail'],
                },
              ],
            },
          ],
        }),
      ],
    ).inputs[0]!;
    expect(leaseFactsOn(input, '2026-10-13').holdsInForce).toMatchObject([
      { type: 'service_failed', start: '2026-10-12', origin: 'delivery' },
    ]);
  });

  it('names replies by event id, else by date, channel and order', () => {
    const input = inputOf({
      events: [
        { leaseId: 'L1', date: '2026-10-07', type: 'reply', channel: 'sms', text: 'ok' },
        { leaseId: 'L1', date: '2026-10-07', type: 'reply', channel: 'sms', text: 'thanks' },
        {
          leaseId: 'L1',
          date: '2026-10-08',
          type: 'reply',
          channel: 'email',
          text: 'hi',
          id: 'M7',
        },
        { leaseId: 'L1', date: '2026-10-30', type: 'reply', channel: 'sms', text: 'later' },
      ],
    });
    expect(leaseFactsOn(input, '2026-10-10').replies.map((r) => r.id)).toEqual([
      '2026-10-07/sms/1',
      '2026-10-07/sms/2',
      'M7',
    ]);
  });

  it('a close event settles the charges due by its date: they leave the past-due amount', () => {
    const input = inputOf({
      ledger: [rent('C1', '2026-10-01'), rent('C2', '2026-11-01')],
      events: [{ leaseId: 'L1', date: '2026-10-20', type: 'close', outcome: 'written_off' }],
    });
    const facts = leaseFactsOn(input, '2026-11-05');
    expect(facts.pastDue.pastDueCents).toBe(150000);
    expect(facts.grossPastDue.pastDueCents).toBe(300000);
  });

  it('agrees with the evaluator on when promises are kept or broken (property)', () => {
    const scenario = fc.record({
      promiseDay: fc.integer({ min: 2, max: 20 }),
      length: fc.integer({ min: 0, max: 10 }),
      promised: fc.option(fc.integer({ min: 1000, max: 200000 }), { nil: undefined }),
      payments: fc.array(
        fc.record({
          day: fc.integer({ min: 1, max: 40 }),
          cents: fc.integer({ min: 1, max: 100000 }),
        }),
        { maxLength: 4 },
      ),
      runDay: fc.integer({ min: 2, max: 45 }),
    });
    fc.assert(
      fc.property(scenario, (s) => {
        const day = (n: number) => addDays('2026-09-30', n);
        const input = inputOf({
          ledger: [
            rent('C1', '2026-10-01'),
            ...s.payments.map((p, i) => payment(`P${i}`, day(p.day), p.cents)),
          ],
          events: [
            {
              leaseId: 'L1',
              date: day(s.promiseDay),
              type: 'promise',
              until: day(s.promiseDay + s.length),
              ...(s.promised !== undefined ? { amountCents: s.promised } : {}),
            },
          ],
        });
        const at = day(s.runDay);
        const t = evaluateLease(input, { from: '2026-10-01', to: at });
        const kept = t.events.some((e) => e.type === 'promise_kept' && e.date <= at);
        // A promise breaks at the end of its `until` date: on the run date it has not yet.
        const broken = t.events.some((e) => e.type === 'promise_broken' && e.date < at);
        const outcome = leaseFactsOn(input, at).holds.find(
          (h) => h.type === 'promise',
        )?.promiseOutcome;
        if (s.runDay < s.promiseDay) return outcome === undefined;
        if (kept) return outcome === 'kept';
        if (broken) return outcome === 'broken';
        return outcome === 'open' || outcome === 'released';
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the evaluator on when payment plans break (property)', () => {
    const scenario = fc.record({
      planDay: fc.integer({ min: 2, max: 15 }),
      installments: fc.array(
        fc.record({
          day: fc.integer({ min: 0, max: 20 }),
          cents: fc.integer({ min: 1000, max: 80000 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      payments: fc.array(
        fc.record({
          day: fc.integer({ min: 1, max: 40 }),
          cents: fc.integer({ min: 1, max: 100000 }),
        }),
        { maxLength: 4 },
      ),
      runDay: fc.integer({ min: 2, max: 45 }),
    });
    fc.assert(
      fc.property(scenario, (s) => {
        const day = (n: number) => addDays('2026-09-30', n);
        const input = inputOf({
          ledger: [
            rent('C1', '2026-10-01'),
            ...s.payments.map((p, i) => payment(`P${i}`, day(p.day), p.cents)),
          ],
          events: [
            {
              leaseId: 'L1',
              date: day(s.planDay),
              type: 'plan',
              installments: s.installments.map((i) => ({
                dueDate: day(s.planDay + i.day),
                amountCents: i.cents,
              })),
            },
          ],
        });
        const at = day(s.runDay);
        const t = evaluateLease(input, { from: '2026-10-01', to: at });
        const broken = t.events.some((e) => e.type === 'plan_broken' && e.date < at);
        const outcome = leaseFactsOn(input, at).holds.find(
          (h) => h.type === 'payment_plan',
        )?.planOutcome;
        if (s.runDay < s.planDay) return outcome === undefined;
        return broken ? outcome === 'broken' : outcome !== 'broken';
      }),
      { numRuns: 300 },
    );
  });
});
