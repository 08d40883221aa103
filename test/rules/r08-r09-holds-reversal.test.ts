import { describe, expect, it } from 'vitest';
import { lines, payment, policy, portfolio, rent, run } from '../support/build.js';

const task = (id = 'call') => ({ id, type: 'task' as const, title: 'Call the tenant' });

describe('R8 holds', () => {
  const stages = [{ id: 's', day: 10, actions: [task()] }];

  it('shifts remaining stages by the days a broken promise held (10-09 until 10-16 holds 8 days)', () => {
    const p = portfolio({
      events: [
        {
          leaseId: 'L1',
          date: '2026-10-09',
          type: 'promise',
          amountCents: 150000,
          until: '2026-10-16',
        },
      ],
    });
    const r = run(
      p,
      policy({
        stages,
        onPromiseBroken: {
          task: { title: 'Promise broken - call tenant', assignee: 'role:collections' },
        },
      }),
    );
    expect(r.events.filter((e) => e.hold === 'promise').map((e) => `${e.date} ${e.type}`)).toEqual([
      '2026-10-09 hold_started',
      '2026-10-16 promise_broken',
      '2026-10-16 hold_released',
    ]);
    expect(lines(r.actions)).toEqual([
      '2026-10-17 L1:1:$promise:broken:1 due', // the onPromiseBroken task
      '2026-10-19 L1:1:s:call due', // day 10 = 10-11, plus 8 held days
    ]);
  });

  it('with onHoldRelease resume catches up on release instead of shifting', () => {
    const p = portfolio({
      events: [
        {
          leaseId: 'L1',
          date: '2026-10-09',
          type: 'promise',
          amountCents: 150000,
          until: '2026-10-16',
        },
      ],
    });
    const r = run(p, policy({ stages, onHoldRelease: 'resume' }));
    expect(lines(r.actions)).toEqual(['2026-10-17 L1:1:s:call due']);
  });

  it('releases a promise as kept when the promised amount is paid', () => {
    const p = portfolio({
      ledger: [rent('C1', '2026-10-01'), payment('P1', '2026-10-12', 50000)],
      events: [
        {
          leaseId: 'L1',
          date: '2026-10-09',
          type: 'promise',
          amountCents: 50000,
          until: '2026-10-16',
        },
      ],
    });
    const r = run(p, policy({ stages }));
    expect(r.events.filter((e) => e.hold === 'promise').map((e) => `${e.date} ${e.type}`)).toEqual([
      '2026-10-09 hold_started',
      '2026-10-12 promise_kept',
      '2026-10-12 hold_released',
    ]);
    // Held 10-09 … 10-11 (3 days): 10-11 + 3.
    expect(lines(r.actions)).toEqual(['2026-10-14 L1:1:s:call due']);
  });

  it('holds a dispute until staff release it', () => {
    const p = portfolio({
      events: [
        { leaseId: 'L1', date: '2026-10-05', type: 'dispute', reason: 'says the charge is wrong' },
        { leaseId: 'L1', date: '2026-10-20', type: 'release', hold: 'dispute' },
      ],
    });
    const r = run(p, policy({ stages }));
    expect(lines(r.actions)).toEqual(['2026-10-26 L1:1:s:call due']); // 15 held days
  });

  it('ends a payment plan at the first missed installment', () => {
    const p = portfolio({
      ledger: [rent('C1', '2026-10-01'), payment('P1', '2026-10-10', 50000)],
      events: [
        {
          leaseId: 'L1',
          date: '2026-10-05',
          type: 'plan',
          installments: [
            { dueDate: '2026-10-10', amountCents: 50000 },
            { dueDate: '2026-10-20', amountCents: 100000 },
          ],
        },
      ],
    });
    const r = run(p, policy({ stages }));
    expect(
      r.events.filter((e) => e.hold === 'payment_plan').map((e) => `${e.date} ${e.type}`),
    ).toEqual(['2026-10-05 hold_started', '2026-10-20 plan_broken', '2026-10-20 hold_released']);
    expect(lines(r.actions)).toEqual(['2026-10-27 L1:1:s:call due']); // 16 held days
  });

  it('lets a charge-scoped hold remove only that charge from past due', () => {
    const p = portfolio({
      ledger: [
        rent('C1', '2026-10-01'),
        {
          id: 'U1',
          leaseId: 'L1',
          date: '2026-10-01',
          type: 'charge',
          category: 'utility',
          amountCents: 4000,
          dueDate: '2026-10-01',
        },
        payment('P1', '2026-10-03', 150000),
      ],
      events: [
        {
          leaseId: 'L1',
          date: '2026-10-03',
          type: 'hold',
          hold: 'dispute',
          scope: 'charge',
          chargeId: 'U1',
        },
      ],
    });
    const r = run(p, policy({ stages }));
    expect(r.episodes[0]).toMatchObject({
      opened: '2026-10-02',
      closed: '2026-10-03',
      outcome: 'paid',
    });
  });

  it('pauses every lease of a property under a property-scoped emergency hold', () => {
    const p = portfolio({
      events: [
        {
          propertyId: 'P1',
          date: '2026-10-04',
          type: 'hold',
          hold: 'manual',
          scope: 'property',
          until: '2026-10-13',
        },
      ],
    });
    const r = run(p, policy({ stages }));
    expect(lines(r.actions)).toEqual(['2026-10-21 L1:1:s:call due']); // 10 held days
  });
});

describe('R9 payment reversal', () => {
  it('enters at the anchor stage on the reversal date, superseding earlier ones, and keeps later gaps', () => {
    const p = portfolio({
      ledger: [
        rent('C1', '2026-10-01'),
        payment('P1', '2026-10-01', 150000),
        {
          id: 'R1',
          leaseId: 'L1',
          date: '2026-10-15',
          type: 'reversal',
          amountCents: 150000,
          reverses: 'P1',
        },
      ],
    });
    const r = run(
      p,
      policy({
        reversal: { anchorStage: 'late' },
        stages: [
          { id: 'reminder', day: 3, actions: [task()] },
          { id: 'late', day: 10, actions: [task()] },
          { id: 'final', day: 20, actions: [task()] },
        ],
      }),
    );
    expect(r.episodes[0]).toMatchObject({ opened: '2026-10-15', anchor: '2026-10-01' });
    // Same instant, so ordered by key (SPEC §7: by at, then lease, then key).
    expect(lines(r.actions)).toEqual([
      '2026-10-15 L1:1:late:call due',
      '2026-10-15 L1:1:reminder:call skipped superseded',
      '2026-10-25 L1:1:final:call due',
    ]);
  });

  it('fires payment_reversal stages day days after a reversal during an open case', () => {
    const p = portfolio({
      ledger: [
        rent('C1', '2026-10-01'),
        payment('P1', '2026-10-03', 50000),
        {
          id: 'R1',
          leaseId: 'L1',
          date: '2026-10-08',
          type: 'reversal',
          amountCents: 50000,
          reverses: 'P1',
        },
      ],
    });
    const r = run(
      p,
      policy({
        stages: [
          { id: 'first', day: 5, actions: [task()] },
          { id: 'nsf', anchor: 'payment_reversal', day: 2, actions: [task()] },
        ],
      }),
    );
    expect(lines(r.actions)).toEqual([
      '2026-10-06 L1:1:first:call due',
      '2026-10-10 L1:1:nsf:call due',
    ]);
  });
});
