import { describe, expect, it } from 'vitest';
import { OAK_COURT, ANA, lines, payment, policy, portfolio, rent, run } from '../support/build.js';

const task = (id = 'call') => ({ id, type: 'task' as const, title: 'Call the tenant' });
const sms = { id: 'sms', type: 'message' as const, channel: 'sms' as const, template: 'reminder' };

describe('R5 closing', () => {
  it('cancels an action deferred past the closing date and lists it as cancelled', () => {
    // runAt 21:00 is outside the window: the SMS moves to 10-07 08:00; paid on 10-07.
    const p = portfolio({
      properties: [{ ...OAK_COURT, runAt: '21:00' }],
      ledger: [rent('C1', '2026-10-01'), payment('P1', '2026-10-07', 150000)],
    });
    const r = run(p, policy({ stages: [{ id: 's', day: 5, actions: [sms] }] }));
    expect(r.actions).toEqual([
      expect.objectContaining({
        key: 'L1:1:s:sms',
        status: 'cancelled',
        reason: 'paid',
        date: '2026-10-07',
      }),
    ]);
  });

  it('restores every access denied in the episode on the closing date', () => {
    const p = portfolio({
      ledger: [rent('C1', '2026-10-01'), payment('P1', '2026-10-20', 150000)],
    });
    const r = run(
      p,
      policy({
        stages: [
          {
            id: 'lockout',
            day: 6,
            actions: [{ id: 'gate', type: 'access', deny: ['gate', 'online_payments'] }],
          },
        ],
      }),
    );
    expect(
      r.actions.map(
        (a) => `${a.date} ${a.key} ${a.status} ${(a.deny ?? a.restore ?? []).join(',')}`,
      ),
    ).toEqual([
      '2026-10-07 L1:1:lockout:gate due gate,online_payments',
      '2026-10-20 L1:1:$close:gate-restore due gate,online_payments',
    ]);
    expect(r.actions[1]).toMatchObject({ stage: '$close', action: 'gate-restore', type: 'access' });
  });

  it('closes by a close event with its own outcome and cancels with reason closed', () => {
    const p = portfolio({
      properties: [{ ...OAK_COURT, runAt: '21:00' }],
      events: [
        {
          leaseId: 'L1',
          date: '2026-10-07',
          type: 'close',
          outcome: 'written_off',
          reason: 'uncollectable',
        },
      ],
    });
    const r = run(p, policy({ stages: [{ id: 's', day: 5, actions: [sms] }] }));
    expect(r.episodes[0]).toMatchObject({ closed: '2026-10-07', outcome: 'written_off' });
    expect(lines(r.actions)).toEqual(['2026-10-07 L1:1:s:sms cancelled closed']);
  });
});

describe('R6 partial payments', () => {
  const ledger = [
    rent('C1', '2026-10-01'),
    rent('C2', '2026-11-01'),
    payment('P1', '2026-11-05', 150000),
  ];
  const stages = [
    { id: 'first', day: 5, actions: [task()] },
    { id: 'later', day: 40, actions: [task()] },
  ];

  it('keeps the anchor by default', () => {
    const r = run(portfolio({ ledger }), policy({ stages }), '2026-10-01', '2026-12-31');
    expect(lines(r.actions)).toEqual([
      '2026-10-06 L1:1:first:call due',
      '2026-11-10 L1:1:later:call due',
    ]);
    expect(r.episodes[0]?.anchor).toBe('2026-10-01');
  });

  it('with reanchor moves the anchor to the new oldest unpaid charge and never refires a stage', () => {
    const r = run(
      portfolio({ ledger }),
      policy({ stages, partialPayment: 'reanchor' }),
      '2026-10-01',
      '2026-12-31',
    );
    expect(lines(r.actions)).toEqual([
      '2026-10-06 L1:1:first:call due',
      '2026-12-11 L1:1:later:call due',
    ]);
    expect(r.episodes[0]?.anchor).toBe('2026-11-01');
  });
});

describe('R7 idempotency keys', () => {
  it('never puts a date or policy version in a key: moving a stage keeps its key', () => {
    const a = run(portfolio(), policy({ stages: [{ id: 's', day: 5, actions: [sms] }] }));
    const b = run(
      portfolio(),
      policy({ version: 2, stages: [{ id: 's', day: 8, actions: [sms] }] }),
    );
    expect(a.actions.map((x) => x.key)).toEqual(b.actions.map((x) => x.key));
    expect(a.actions[0]?.date).not.toBe(b.actions[0]?.date);
  });

  it('fires a per-invoice action for each counted charge past due, then for each new one', () => {
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
        rent('C2', '2026-11-01'),
      ],
    });
    const r = run(
      p,
      policy({ stages: [{ id: 's', day: 5, actions: [{ ...sms, recurring: 'per_invoice' }] }] }),
    );
    expect(lines(r.actions)).toEqual([
      '2026-10-06 L1:1:s:sms:C1 due',
      '2026-10-06 L1:1:s:sms:U1 due',
      '2026-11-02 L1:1:s:sms:C2 due',
    ]);
  });

  it('numbers daily occurrences', () => {
    const r = run(
      portfolio({ properties: [{ ...OAK_COURT, jurisdiction: 'US-XX' }] }),
      policy({
        stages: [
          {
            id: 's',
            day: 5,
            actions: [{ id: 'fee', type: 'fee', amountCents: 500, recurring: 'daily', maxDays: 3 }],
          },
        ],
      }),
    );
    expect(lines(r.actions)).toEqual([
      '2026-10-06 L1:1:s:fee:1 due',
      '2026-10-07 L1:1:s:fee:2 due',
      '2026-10-08 L1:1:s:fee:3 due',
    ]);
  });

  it('gives each contact and method its own delivery sub-key, listing the action once', () => {
    const p = portfolio({
      tenants: [
        ANA,
        { ...ANA, id: 'T2', name: 'Luis Ruiz', phone: '+14155550102', email: 'luis@example.com' },
      ],
      leases: [
        { id: 'L1', propertyId: 'P1', unit: '12B', tenantIds: ['T1', 'T2'], rentCents: 150000 },
      ],
    });
    const r = run(
      p,
      policy({
        stages: [
          {
            id: 'notice',
            day: 5,
            actions: [
              {
                id: 'doc',
                type: 'document',
                template: 'past-due-notice',
                delivery: ['email', 'first_class'],
              },
            ],
          },
        ],
      }),
    );
    expect(r.actions).toHaveLength(1);
    expect(r.actions[0]?.deliveries?.map((d) => d.key)).toEqual([
      'L1:1:notice:doc/T1/email',
      'L1:1:notice:doc/T1/first_class',
      'L1:1:notice:doc/T2/email',
      'L1:1:notice:doc/T2/first_class',
    ]);
  });
});
