import { describe, expect, it } from 'vitest';
import { ANA, OAK_COURT, lines, policy, portfolio, rent, run } from '../support/build.js';

const sms = {
  id: 'sms',
  type: 'message' as const,
  channel: 'sms' as const,
  template: 'late-notice',
};

describe('R10 consent and contact', () => {
  it('skips an SMS without consent and tries the fallback at the same time as its own action', () => {
    const p = portfolio({ tenants: [{ ...ANA, consent: { email: true } }] });
    const r = run(
      p,
      policy({ stages: [{ id: 's', day: 5, actions: [{ ...sms, fallback: 'email' }] }] }),
    );
    expect(
      r.actions.map((a) => [a.key, a.channel, a.status, a.reason, a.fallbackFor ?? null, a.at]),
    ).toEqual([
      ['L1:1:s:sms', 'sms', 'skipped', 'no_consent', null, '2026-10-06T16:00:00Z'],
      ['L1:1:s:sms:fallback', 'email', 'due', null, 'L1:1:s:sms', '2026-10-06T16:00:00Z'],
    ]);
    expect(r.actions[1]?.action).toBe('sms');
  });

  it('skips after an opt-out on that channel, and resumes after an opt-in', () => {
    const p = portfolio({
      ledger: [rent('C1', '2026-10-01'), rent('C2', '2026-11-01')],
      events: [
        { leaseId: 'L1', date: '2026-10-03', type: 'reply', channel: 'sms', text: 'STOP' },
        { leaseId: 'L1', date: '2026-10-20', type: 'reply', channel: 'sms', text: 'START' },
      ],
    });
    const r = run(
      p,
      policy({ stages: [{ id: 's', day: 5, actions: [{ ...sms, recurring: 'per_invoice' }] }] }),
    );
    expect(lines(r.actions)).toEqual([
      '2026-10-06 L1:1:s:sms:C1 skipped opted_out',
      '2026-11-02 L1:1:s:sms:C2 due',
    ]);
    expect(
      r.events
        .filter((e) => e.type === 'opted_out' || e.type === 'opted_in')
        .map((e) => `${e.date} ${e.type} ${e.channel}`),
    ).toEqual(['2026-10-03 opted_out sms', '2026-10-20 opted_in sms']);
  });

  it('skips a contact without a number (no_contact) and one whose number bounced (bad_contact)', () => {
    const noPhone = run(
      portfolio({ tenants: [{ ...ANA, phone: undefined }] }),
      policy({ stages: [{ id: 's', day: 5, actions: [sms] }] }),
    );
    expect(lines(noPhone.actions)).toEqual(['2026-10-06 L1:1:s:sms skipped no_contact']);
    const bounced = run(
      portfolio({
        events: [
          {
            leaseId: 'L1',
            date: '2026-10-02',
            type: 'delivery',
            status: 'undelivered',
            channel: 'sms',
            contactId: 'T1',
          },
        ],
      }),
      policy({ stages: [{ id: 's', day: 5, actions: [sms] }] }),
    );
    expect(lines(bounced.actions)).toEqual(['2026-10-06 L1:1:s:sms skipped bad_contact']);
    expect(bounced.events.map((e) => e.type)).toContain('contact_bad');
  });

  it('needs e-notice consent for a document delivered by e-mail, not for certified mail', () => {
    const p = portfolio({ tenants: [{ ...ANA, consent: { sms: true, email: true } }] });
    const r = run(
      p,
      policy({
        stages: [
          {
            id: 'n',
            day: 5,
            actions: [
              {
                id: 'doc',
                type: 'document',
                template: 'past-due-notice',
                delivery: ['email', 'certified_mail'],
              },
            ],
          },
        ],
      }),
    );
    expect(r.actions[0]?.status).toBe('due');
    expect(r.actions[0]?.deliveries?.map((d) => [d.method, d.status, d.reason])).toEqual([
      ['email', 'skipped', 'no_consent'],
      ['certified_mail', 'due', null],
    ]);
  });

  it('turns a returned statutory notice into a service_failed hold on the next required stage and a re-serve task', () => {
    const p = portfolio({
      events: [
        {
          leaseId: 'L1',
          date: '2026-10-09',
          type: 'delivery',
          status: 'returned',
          key: 'L1:1:notice:doc',
          method: 'certified_mail',
        },
      ],
    });
    const r = run(
      p,
      policy({
        stages: [
          {
            id: 'notice',
            day: 5,
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
          { id: 'reminder', day: 10, actions: [{ id: 'call', type: 'task', title: 'Call' }] },
          {
            id: 'filing',
            day: 15,
            required: true,
            actions: [{ id: 'legal', type: 'escalate', to: 'legal' }],
          },
        ],
      }),
    );
    expect(lines(r.actions)).toEqual([
      '2026-10-06 L1:1:notice:doc due',
      '2026-10-09 L1:1:$service:reserve:1 due',
      '2026-10-11 L1:1:reminder:call due', // not required: still fires
    ]);
    expect(r.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['service_failed', 'hold_started']),
    );
  });
});

describe('R11 caps', () => {
  const storage = { ...OAK_COURT, id: 'S1', name: 'Bay Storage', kind: 'storage' as const };
  const storageLease = (rentCents: number) =>
    portfolio({
      properties: [storage],
      leases: [
        {
          id: 'L1',
          propertyId: 'S1',
          unit: 'A-101',
          spaceType: '10x10',
          tenantIds: ['T1'],
          rentCents,
        },
      ],
      ledger: [rent('C1', '2026-10-01', rentCents)],
    });
  const feeAt = (day: number, fee: Record<string, unknown>) =>
    policy({ stages: [{ id: `fee-${day}`, day, actions: [{ id: 'fee', type: 'fee', ...fee }] }] });

  it('caps a California storage late fee at $10 when rent is $50 (Bus. & Prof. Code §21713.5)', () => {
    const r = run(storageLease(5000), feeAt(10, { amountCents: 2000 }));
    expect(r.actions[0]).toMatchObject({ status: 'due', reason: 'fee_capped', amountCents: 1000 });
  });

  it('allows one late fee per late payment and skips a second with fee_cap', () => {
    const r = run(
      storageLease(20000),
      policy({
        stages: [
          { id: 'a', day: 10, actions: [{ id: 'fee', type: 'fee', amountCents: 2000 }] },
          { id: 'b', day: 20, actions: [{ id: 'fee', type: 'fee', amountCents: 1000 }] },
        ],
      }),
    );
    expect(r.actions.map((a) => [a.key, a.status, a.reason, a.amountCents])).toEqual([
      ['L1:1:a:fee', 'due', null, 2000],
      ['L1:1:b:fee', 'skipped', 'fee_cap', 0],
    ]);
  });

  it('skips a storage late fee before day 10 as not applicable', () => {
    const r = run(storageLease(20000), feeAt(5, { amountCents: 2000 }));
    expect(r.actions[0]).toMatchObject({ status: 'skipped', reason: 'not_applicable' });
  });

  it('rounds percentages half-up to the cent and applies the policy capCents cumulatively', () => {
    const p = portfolio({
      properties: [{ ...OAK_COURT, jurisdiction: 'US-XX' }],
      leases: [{ id: 'L1', propertyId: 'P1', unit: '1', tenantIds: ['T1'], rentCents: 12345 }],
      ledger: [rent('C1', '2026-10-01', 12345)],
    });
    const pct = run(p, feeAt(5, { percent: 15, of: 'monthly_rent' }));
    expect(pct.actions[0]?.amountCents).toBe(1852); // 1851.75
    const daily = run(
      p,
      feeAt(5, { amountCents: 1000, recurring: 'daily', maxDays: 5, capCents: 2500 }),
    );
    expect(daily.actions.map((a) => [a.key, a.status, a.reason, a.amountCents])).toEqual([
      ['L1:1:fee-5:fee:1', 'due', null, 1000],
      ['L1:1:fee-5:fee:2', 'due', null, 1000],
      ['L1:1:fee-5:fee:3', 'due', 'fee_capped', 500],
      ['L1:1:fee-5:fee:4', 'skipped', 'fee_cap', 0],
    ]);
  });

  it('defers an eighth call in seven days to the first instant the Reg F cap allows', () => {
    const days = [5, 6, 7, 8, 9, 10, 11, 11];
    const calls = days.map((day, i) => ({
      id: `call${i + 1}`,
      day,
      actions: [
        { id: 'voice', type: 'message' as const, channel: 'voice' as const, template: 'reminder' },
      ],
    }));
    const r = run(portfolio(), policy({ catchUp: 'all', stages: calls }));
    expect(r.actions.slice(0, 7).every((a) => a.deferredFrom === null)).toBe(true);
    // Seven calls 10-06 … 10-12 at 09:00; the eighth waits until the first ages out.
    expect(r.actions[7]).toMatchObject({
      key: 'L1:1:call8:voice',
      status: 'due',
      reason: 'frequency_cap',
      date: '2026-10-13',
      at: '2026-10-13T16:00:00Z',
      deferredFrom: '2026-10-12T16:00:00Z',
    });
  });
});

describe('R12 replies in simulate', () => {
  it('classifies each reply and applies holds for paid claims, but not suggested events', () => {
    const p = portfolio({
      events: [
        {
          leaseId: 'L1',
          date: '2026-10-04',
          type: 'reply',
          channel: 'sms',
          text: 'I already paid this yesterday',
        },
      ],
    });
    const r = run(p, policy());
    expect(r.events.map((e) => `${e.date} ${e.type} ${e.intent ?? e.hold ?? ''}`.trim())).toEqual([
      '2026-10-02 case_opened',
      '2026-10-04 reply_classified paid_claim',
      '2026-10-04 hold_started review',
    ]);
    expect(r.actions).toEqual([]); // the review hold stays until staff release it
  });

  it('extracts a promised amount and date', () => {
    const p = portfolio({
      events: [
        {
          leaseId: 'L1',
          date: '2026-10-07',
          type: 'reply',
          channel: 'sms',
          text: 'I can pay $500 on the 15th',
        },
      ],
    });
    const r = run(p, policy());
    expect(r.events.find((e) => e.type === 'reply_classified')).toMatchObject({
      intent: 'promise_to_pay',
      amountCents: 50000,
      promisedDate: '2026-10-15',
    });
    expect(r.events.some((e) => e.type === 'hold_started')).toBe(false); // a suggestion, not applied
  });
});

describe('R13 approval flags', () => {
  const stages = (approval: 'auto' | 'manual' | 'two_person') => [
    {
      id: 's',
      day: 5,
      approval,
      actions: [
        sms,
        { id: 'call', type: 'task' as const, title: 'Call' },
        { id: 'sale', type: 'auction' as const, inDays: 14 },
      ],
    },
  ];
  const flags = (
    mode: 'supervised' | 'assisted' | 'autopilot',
    approval: 'auto' | 'manual' | 'two_person' = 'auto',
  ) =>
    run(portfolio(), policy({ mode, catchUp: 'all', stages: stages(approval) })).actions.map(
      (a) => `${a.action}:${a.requiresApproval}`,
    );

  it('in supervised mode every outward action waits; tasks do not', () => {
    expect(flags('supervised')).toEqual(['call:false', 'sale:true', 'sms:true']);
  });
  it('in assisted mode the stage decides, and the pre-sale gate always waits', () => {
    expect(flags('assisted')).toEqual(['call:false', 'sale:true', 'sms:false']);
    expect(flags('assisted', 'manual')).toEqual(['call:false', 'sale:true', 'sms:true']);
  });
  it('in autopilot only manual / two-person stages and gates wait', () => {
    expect(flags('autopilot')).toEqual(['call:false', 'sale:true', 'sms:false']);
    const two = run(
      portfolio(),
      policy({ mode: 'autopilot', stages: stages('two_person') }),
    ).actions.find((a) => a.action === 'sms');
    expect(two).toMatchObject({ requiresApproval: true, approvals: 2 });
  });
});
