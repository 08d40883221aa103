import { describe, expect, it } from 'vitest';
import { allocate, pastDueOn } from '../../src/domain/ledger/allocation.js';
import { ledgerEntry } from '../../src/domain/portfolio/schema.js';
import { payment, policy, portfolio, rent, run } from '../support/build.js';

const entries = (list: unknown[]) => list.map((e) => ledgerEntry.parse(e));

describe('R1 balances', () => {
  it('pays the named charge first, then the oldest due date, ties by id', () => {
    const a = allocate(
      entries([
        rent('C3', '2026-11-01', 1000),
        {
          id: 'C2',
          leaseId: 'L1',
          date: '2026-10-01',
          type: 'charge',
          category: 'utility',
          amountCents: 200,
          dueDate: '2026-10-01',
        },
        rent('C1', '2026-10-01', 1000),
        {
          id: 'P1',
          leaseId: 'L1',
          date: '2026-10-03',
          type: 'payment',
          amountCents: 500,
          appliesTo: 'C2',
        },
        { id: 'K1', leaseId: 'L1', date: '2026-10-04', type: 'credit', amountCents: 700 },
      ]),
    );
    expect(a.unpaid.get('C2')).toBe(0); // appliesTo
    expect(a.unpaid.get('C1')).toBe(0); // 300 excess + 700 credit, oldest due date first
    expect(a.unpaid.get('C3')).toBe(1000);
    expect(a.unappliedCents).toBe(0);
    expect(a.balanceCents).toBe(1000);
  });

  it('lets a reversal cancel the payment it reverses', () => {
    const a = allocate(
      entries([
        rent('C1', '2026-10-01', 1000),
        payment('P1', '2026-10-02', 1000),
        {
          id: 'R1',
          leaseId: 'L1',
          date: '2026-10-05',
          type: 'reversal',
          amountCents: 1000,
          reverses: 'P1',
        },
      ]),
    );
    expect(a.unpaid.get('C1')).toBe(1000);
  });

  it('counts a charge past due only after its due date, for counted categories', () => {
    const a = allocate(
      entries([
        rent('C1', '2026-10-01', 1000),
        {
          id: 'D1',
          leaseId: 'L1',
          date: '2026-10-01',
          type: 'charge',
          category: 'deposit',
          amountCents: 500,
          dueDate: '2026-10-01',
        },
      ]),
    );
    const cats = new Set(['rent', 'fee']);
    expect(pastDueOn(a, '2026-10-01', cats).pastDueCents).toBe(0);
    expect(pastDueOn(a, '2026-10-02', cats)).toMatchObject({
      pastDueCents: 1000,
      pastDueRentCents: 1000,
      anyPastDueCents: 1500,
    });
  });

  it('lets an evaluation of a date see every entry dated that date', () => {
    const r = run(
      portfolio({ ledger: [rent('C1', '2026-10-01'), payment('P1', '2026-10-06', 150000)] }),
      policy(),
    );
    expect(r.actions).toEqual([]); // paid on the stage's own day: nothing fires
    expect(r.episodes[0]).toMatchObject({ closed: '2026-10-06', outcome: 'paid' });
  });
});

describe('R2 opening', () => {
  it('opens on the first date past due exceeds the minimum and the oldest charge is old enough', () => {
    const r = run(portfolio(), policy({ trigger: { minPastDueCents: 100, minDaysPastDue: 3 } }));
    expect(r.episodes[0]).toMatchObject({ opened: '2026-10-04', anchor: '2026-10-01' });
  });

  it('does not open when past due only equals minPastDueCents', () => {
    const r = run(
      portfolio({ ledger: [rent('C1', '2026-10-01', 100)] }),
      policy({ trigger: { minPastDueCents: 100 } }),
    );
    expect(r.episodes).toEqual([]);
  });

  it('opens on a manual flag whatever the thresholds', () => {
    const r = run(
      portfolio({
        ledger: [rent('C1', '2026-10-01', 100)],
        events: [{ leaseId: 'L1', date: '2026-10-03', type: 'flag' }],
      }),
      policy({ trigger: { minPastDueCents: 5000 } }),
    );
    expect(r.episodes[0]).toMatchObject({ opened: '2026-10-03', anchor: '2026-10-01' });
  });

  it('numbers episodes per lease and starts a later delinquency from the first stage', () => {
    const r = run(
      portfolio({
        ledger: [
          rent('C1', '2026-10-01'),
          payment('P1', '2026-10-10', 150000),
          rent('C2', '2026-11-01'),
        ],
      }),
      policy(),
    );
    expect(r.episodes.map((e) => [e.episode, e.opened, e.closed])).toEqual([
      [1, '2026-10-02', '2026-10-10'],
      [2, '2026-11-02', null],
    ]);
    expect(r.actions.map((a) => a.key)).toEqual(['L1:1:late-notice:sms', 'L1:2:late-notice:sms']);
  });

  it('places a manual hold while the tenant is in grace, until the next status event', () => {
    const r = run(
      portfolio({
        events: [
          { leaseId: 'L1', date: '2026-10-03', type: 'status', status: 'grace' },
          { leaseId: 'L1', date: '2026-10-10', type: 'status', status: 'current' },
        ],
      }),
      policy(),
    );
    // Held 10-03 … 10-09 (7 days): day 5 moves from 10-06 to 10-13.
    expect(r.actions.map((a) => a.date)).toEqual(['2026-10-13']);
    expect(r.events.filter((e) => e.hold === 'manual').map((e) => `${e.date} ${e.type}`)).toEqual([
      '2026-10-03 hold_started',
      '2026-10-10 hold_released',
    ]);
  });

  it('places a bankruptcy hold that never expires on its own', () => {
    const r = run(
      portfolio({
        events: [{ leaseId: 'L1', date: '2026-10-03', type: 'status', status: 'bankruptcy' }],
      }),
      policy(),
    );
    expect(r.actions).toEqual([]);
    expect(r.events.map((e) => e.type)).toEqual(['case_opened', 'hold_started']);
  });
});
