import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { payment, policy, portfolio, rent } from '../../../test/support/build.js';
import type { LeaseInput } from '../evaluator/lease-run.js';
import { leaseInputs } from '../evaluator/simulate.js';
import type { Policy } from '../policy/schema.js';
import type { Portfolio, PortfolioInput } from '../portfolio/schema.js';
import {
  leaseReadiness,
  REASON_CODES,
  REASON_STATE,
  STATE_PRECEDENCE,
  type ReadinessContext,
} from './readiness.js';

function inputOf(p: Portfolio, pol: Policy = policy()): LeaseInput {
  const input = leaseInputs(p, [pol]).inputs[0];
  if (!input) throw new Error('no lease input');
  return input;
}

function readiness(
  over: Partial<PortfolioInput>,
  at: string,
  context: ReadinessContext = {},
  pol: Policy = policy(),
) {
  return leaseReadiness(inputOf(portfolio(over), pol), at, context);
}

const codes = (r: { reasons: { code: string }[] }) => r.reasons.map((x) => x.code);

describe('readiness (SPEC 5): one state per lease per run', () => {
  const anaPaysPart = { ledger: [rent('C1', '2026-10-01'), payment('P1', '2026-10-20', 50000)] };

  it('Ana owes October rent and nothing else applies: ready from 10-02; current while not yet past due', () => {
    expect(readiness({}, '2026-10-01').state).toBe('current');
    const r = readiness({}, '2026-10-02');
    expect(r).toMatchObject({ state: 'ready', reasons: [], pastDueCents: 150000 });
    expect(r.balanceCents).toBe(150000);
  });

  it('Ana paid $500 of $1,500 on 10-20: recent_payment on 10-21 (partial payment listed), review on 10-24', () => {
    const on1021 = readiness(anaPaysPart, '2026-10-21');
    expect(on1021.state).toBe('recent_payment');
    expect(codes(on1021)).toEqual(['recent_payment', 'partial_payment']);
    expect(on1021.reasons[1]).toMatchObject({
      code: 'partial_payment',
      amountCents: 50000,
      since: '2026-10-20',
      detail: 'paid $500.00 of $1,500.00 on 2026-10-20; $1,000.00 still past due',
    });
    // recentPaymentDays defaults to 3: 10-23 is the third day after the payment.
    expect(readiness(anaPaysPart, '2026-10-23').state).toBe('recent_payment');
    const on1024 = readiness(anaPaysPart, '2026-10-24');
    expect(on1024.state).toBe('review');
    expect(codes(on1024)).toEqual(['partial_payment']);
  });

  it('once a draft was made at the new amount the partial payment no longer holds Ana back', () => {
    expect(readiness(anaPaysPart, '2026-10-24', { lastDraftPastDueCents: 100000 }).state).toBe(
      'ready',
    );
    const stale = readiness(anaPaysPart, '2026-10-24', { lastDraftPastDueCents: 150000 });
    expect(stale.state).toBe('review');
    expect(codes(stale)).toEqual(['changed_since_draft', 'partial_payment']);
    expect(stale.reasons[0]!.detail).toBe('past due is $1,000.00, was $1,500.00 at the last draft');
  });

  it('recentPaymentDays comes from the policy, and the context may override it', () => {
    expect(readiness(anaPaysPart, '2026-10-22', {}, policy({ recentPaymentDays: 1 })).state).toBe(
      'review',
    );
    expect(readiness(anaPaysPart, '2026-10-26', { recentPaymentDays: 7 }).state).toBe(
      'recent_payment',
    );
  });

  it('a pending payment counts as recent', () => {
    const r = readiness({}, '2026-10-10', { pendingPayment: true });
    expect(r.state).toBe('recent_payment');
    expect(codes(r)).toEqual(['payment_pending']);
  });

  it('paid in full on 10-12: current, with no reasons', () => {
    const r = readiness(
      { ledger: [rent('C1', '2026-10-01'), payment('P9', '2026-10-12', 150000)] },
      '2026-10-13',
    );
    expect(r).toMatchObject({ state: 'current', reasons: [], pastDueCents: 0, balanceCents: 0 });
  });

  it('a dispute on 10-07 makes the lease disputed until staff release it', () => {
    const events: PortfolioInput['events'] = [
      { leaseId: 'L1', date: '2026-10-07', type: 'dispute', reason: 'Says she paid in cash' },
    ];
    const r = readiness({ events }, '2026-10-08');
    expect(r.state).toBe('disputed');
    expect(r.reasons[0]).toMatchObject({
      code: 'dispute',
      since: '2026-10-07',
      detail: 'disputed since 2026-10-07: Says she paid in cash',
    });
    const released = readiness(
      {
        events: [
          ...events!,
          { leaseId: 'L1', date: '2026-10-12', type: 'release', hold: 'dispute' },
        ],
      },
      '2026-10-12',
    );
    expect(released.state).toBe('ready');
  });

  it('a reply disputing the charge places a dispute hold too', () => {
    const r = readiness(
      {
        events: [
          {
            leaseId: 'L1',
            date: '2026-10-07',
            type: 'reply',
            channel: 'sms',
            text: 'This charge is wrong, I dispute it',
          },
        ],
      },
      '2026-10-07',
    );
    expect(r.state).toBe('disputed');
    expect(r.reasons[0]).toMatchObject({ code: 'dispute', origin: 'reply:dispute' });
  });

  it('"I already paid" puts the lease in review (a review hold, R12)', () => {
    const r = readiness(
      {
        events: [
          {
            leaseId: 'L1',
            date: '2026-10-07',
            type: 'reply',
            channel: 'sms',
            text: 'I already paid this last week',
          },
        ],
      },
      '2026-10-08',
    );
    expect(r.state).toBe('review');
    expect(r.reasons[0]).toMatchObject({ code: 'review_hold', origin: 'reply:paid_claim' });
  });

  describe('a promise made 10-09 to pay $1,500 by 10-16', () => {
    const promise = {
      leaseId: 'L1',
      date: '2026-10-09',
      type: 'promise' as const,
      amountCents: 150000,
      until: '2026-10-16',
    };

    it('holds the lease through 10-16 and is broken after it', () => {
      const on1010 = readiness({ events: [promise] }, '2026-10-10');
      expect(on1010.state).toBe('hold');
      expect(on1010.reasons[0]).toMatchObject({
        code: 'promise',
        amountCents: 150000,
        until: '2026-10-16',
        detail: 'promised $1,500.00 by 2026-10-16 (made 2026-10-09)',
      });
      expect(readiness({ events: [promise] }, '2026-10-16').state).toBe('hold');
      expect(readiness({ events: [promise] }, '2026-10-17').state).toBe('ready');
    });

    it('is kept by a partial payment of the promised amount when less was promised', () => {
      const small = { ...promise, amountCents: 50000 };
      const ledger = [rent('C1', '2026-10-01'), payment('P1', '2026-10-12', 50000)];
      const r = readiness({ ledger, events: [small] }, '2026-10-13');
      expect(codes(r)).toEqual(['recent_payment', 'partial_payment']);
      expect(r.state).toBe('recent_payment');
    });
  });

  it('a payment plan in force: payment_plan; a missed installment ends it', () => {
    const plan = {
      leaseId: 'L1',
      date: '2026-10-05',
      type: 'plan' as const,
      installments: [
        { dueDate: '2026-10-10', amountCents: 75000 },
        { dueDate: '2026-10-24', amountCents: 75000 },
      ],
    };
    const on1008 = readiness({ events: [plan] }, '2026-10-08');
    expect(on1008.state).toBe('payment_plan');
    expect(on1008.reasons[0]).toMatchObject({ code: 'payment_plan', until: '2026-10-10' });
    // Nothing paid by the end of 10-10: the plan broke.
    expect(readiness({ events: [plan] }, '2026-10-11').state).toBe('ready');
    // The first installment paid on time keeps it going.
    const kept = readiness(
      { ledger: [rent('C1', '2026-10-01'), payment('P1', '2026-10-10', 75000)], events: [plan] },
      '2026-10-15',
    );
    expect(kept.state).toBe('payment_plan');
    expect(kept.reasons[0]).toMatchObject({ until: '2026-10-24' });
  });

  it('bankruptcy blocks, and outranks a dispute (precedence)', () => {
    const r = readiness(
      {
        events: [
          { leaseId: 'L1', date: '2026-10-03', type: 'dispute' },
          { leaseId: 'L1', date: '2026-10-05', type: 'status', status: 'bankruptcy' },
        ],
      },
      '2026-10-06',
    );
    expect(r.state).toBe('blocked');
    expect(codes(r)).toEqual(['bankruptcy', 'dispute']);
  });

  it('a legal hold blocks; a hardship hold holds', () => {
    const hold = (type: 'legal' | 'hardship') => ({
      leaseId: 'L1',
      date: '2026-10-03',
      type: 'hold' as const,
      hold: type,
    });
    expect(readiness({ events: [hold('legal')] }, '2026-10-04')).toMatchObject({
      state: 'blocked',
      reasons: [{ code: 'legal_hold' }],
    });
    expect(readiness({ events: [hold('hardship')] }, '2026-10-04')).toMatchObject({
      state: 'hold',
      reasons: [{ code: 'hold', hold: 'hardship' }],
    });
  });

  it('an organisation-wide emergency pause holds every lease', () => {
    const r = readiness(
      {
        events: [
          {
            date: '2026-10-03',
            type: 'hold',
            hold: 'manual',
            scope: 'organisation',
            until: '2026-10-05',
          },
        ],
      },
      '2026-10-04',
    );
    expect(r.state).toBe('hold');
    expect(
      readiness(
        {
          events: [
            {
              date: '2026-10-03',
              type: 'hold',
              hold: 'manual',
              scope: 'organisation',
              until: '2026-10-05',
            },
          ],
        },
        '2026-10-06',
      ).state,
    ).toBe('ready');
  });

  it('a charge-scoped hold only removes its charge: the lease is current when that was all it owed', () => {
    const r = readiness(
      {
        events: [
          {
            leaseId: 'L1',
            date: '2026-10-03',
            type: 'hold',
            hold: 'dispute',
            scope: 'charge',
            chargeId: 'C1',
          },
        ],
      },
      '2026-10-04',
    );
    expect(r.state).toBe('current');
  });

  it('missing contact: no phone, e-mail or address blocks the lease', () => {
    const r = readiness({ tenants: [{ id: 'T1', name: 'Ana Ruiz', consent: {} }] }, '2026-10-05');
    expect(r.state).toBe('blocked');
    expect(r.reasons[0]).toMatchObject({
      code: 'missing_contact',
      detail:
        'no way to reach the tenant (Ana Ruiz: sms no_consent, email no_consent, voice no_consent, no postal address)',
    });
  });

  it('an SMS-only tenant who texts STOP has no way left to be reached', () => {
    const smsOnly = { id: 'T1', name: 'Ana Ruiz', phone: '+14155550101', consent: { sms: true } };
    const events: PortfolioInput['events'] = [
      { leaseId: 'L1', date: '2026-10-04', type: 'reply', channel: 'sms', text: 'STOP' },
    ];
    expect(readiness({ tenants: [smsOnly] }, '2026-10-05').state).toBe('ready');
    const r = readiness({ tenants: [smsOnly], events }, '2026-10-05');
    expect(r.state).toBe('blocked');
    expect(r.reasons[0]!.detail).toContain('sms opted_out');
    // Ana has a postal address: notices can still go by mail.
    expect(readiness({ events }, '2026-10-05').state).toBe('ready');
  });

  it('a lease tagged sensitive, or past due at or above reviewAboveCents, needs review', () => {
    const sensitive = readiness(
      {
        leases: [
          {
            id: 'L1',
            propertyId: 'P1',
            unit: '12B',
            tenantIds: ['T1'],
            rentCents: 150000,
            tags: ['sensitive'],
          },
        ],
      },
      '2026-10-05',
    );
    expect(sensitive).toMatchObject({ state: 'review', reasons: [{ code: 'sensitive' }] });
    const big = readiness({}, '2026-10-05', {}, policy({ reviewAboveCents: 150000 }));
    expect(big).toMatchObject({
      state: 'review',
      reasons: [{ code: 'above_review_threshold', amountCents: 150000 }],
    });
    expect(readiness({}, '2026-10-05', {}, policy({ reviewAboveCents: 150001 })).state).toBe(
      'ready',
    );
  });

  it("a balance that disagrees with the source system's blocks the lease", () => {
    const r = readiness({}, '2026-10-05', { reportedBalanceCents: 140000 });
    expect(r).toMatchObject({
      state: 'blocked',
      reasons: [
        {
          code: 'balance_mismatch',
          amountCents: 10000,
          detail:
            'source system reports $1,400.00, the ledger gives $1,500.00 (difference $100.00)',
        },
      ],
    });
    expect(readiness({}, '2026-10-05', { reportedBalanceCents: 150000 }).state).toBe('ready');
  });

  it('duplicate ledger rows (same date, type, amount, category; other ids) need review, and are listed even when current', () => {
    const dup = { ...rent('C1b', '2026-10-01') };
    const r = readiness({ ledger: [rent('C1', '2026-10-01'), dup] }, '2026-10-05');
    expect(r.state).toBe('review');
    expect(r.reasons[0]).toMatchObject({
      code: 'duplicate_ledger_row',
      amountCents: 150000,
      entryIds: ['C1', 'C1b'],
      detail: '2 rent charges of $1,500.00 dated 2026-10-01 (C1, C1b): possible duplicate',
    });
    const paid = readiness(
      { ledger: [rent('C1', '2026-10-01'), dup, payment('P1', '2026-10-03', 300000)] },
      '2026-10-05',
    );
    expect(paid.state).toBe('current');
    expect(codes(paid)).toEqual(['duplicate_ledger_row']);
    // A reversed duplicate was already corrected.
    const fixed = readiness(
      {
        ledger: [
          rent('C1', '2026-10-01'),
          dup,
          {
            id: 'R1',
            leaseId: 'L1',
            date: '2026-10-02',
            type: 'reversal',
            amountCents: 150000,
            reverses: 'C1b',
          },
        ],
      },
      '2026-10-05',
    );
    expect(fixed.state).toBe('ready');
  });

  it('a reversal of an entry that is not on the ledger is a data error', () => {
    const r = readiness(
      {
        ledger: [
          rent('C1', '2026-10-01'),
          {
            id: 'R1',
            leaseId: 'L1',
            date: '2026-10-02',
            type: 'reversal',
            amountCents: 5000,
            reverses: 'P404',
          },
        ],
      },
      '2026-10-05',
    );
    expect(r).toMatchObject({ state: 'blocked', reasons: [{ code: 'data_error' }] });
  });

  describe('credits and deposits (credit_ambiguous)', () => {
    const deposit = {
      id: 'D1',
      leaseId: 'L1',
      date: '2026-09-01',
      type: 'charge' as const,
      category: 'deposit' as const,
      amountCents: 150000,
      dueDate: '2026-09-01',
    };

    it('a payment that reached the deposit by oldest-first allocation may cover the rent', () => {
      const r = readiness(
        { ledger: [deposit, payment('P1', '2026-09-01', 150000), rent('C1', '2026-10-01')] },
        '2026-10-05',
      );
      expect(r.state).toBe('credit_ambiguous');
      expect(r.reasons[0]).toMatchObject({ code: 'deposit_may_cover', amountCents: 150000 });
    });

    it('a deposit paid by name is held, not ambiguous, until the tenant leaves', () => {
      const ledger = [
        deposit,
        { ...payment('P1', '2026-09-01', 150000), appliesTo: 'D1' },
        rent('C1', '2026-10-01'),
      ];
      expect(readiness({ ledger }, '2026-10-05').state).toBe('ready');
      const left = readiness(
        {
          ledger,
          leases: [
            {
              id: 'L1',
              propertyId: 'P1',
              unit: '12B',
              tenantIds: ['T1'],
              rentCents: 150000,
              endDate: '2026-10-03',
            },
          ],
        },
        '2026-10-05',
      );
      expect(left.state).toBe('credit_ambiguous');
      expect(left.reasons[0]!.detail).toBe(
        'deposit D1 holds $1,500.00 and the tenant has left; it may cover $1,500.00 past due',
      );
    });

    it('a payment naming next month before it is posted joins the pool (R1) and pays October', () => {
      const r = readiness(
        {
          ledger: [
            rent('C1', '2026-10-01'),
            rent('C2', '2026-11-01'),
            { ...payment('P1', '2026-10-05', 150000), appliesTo: 'C2' },
          ],
        },
        '2026-10-06',
      );
      expect(r.state).toBe('current');
    });

    it('a payment pinned to next month (posted early) while October is past due is an unapplied credit', () => {
      const ledger = [
        rent('C1', '2026-10-01'),
        { ...rent('C2', '2026-11-01'), date: '2026-10-05' },
        { ...payment('P1', '2026-10-05', 150000), appliesTo: 'C2' },
      ];
      const r = readiness({ ledger }, '2026-10-06');
      expect(codes(r)).toEqual(['recent_payment', 'unapplied_credit', 'partial_payment']);
      expect(r.state).toBe('recent_payment');
      const later = readiness({ ledger }, '2026-10-10');
      expect(later.state).toBe('credit_ambiguous');
      expect(later.reasons[0]!.detail).toBe(
        'payment P1 of $1,500.00 is pinned to C2, not due until 2026-11-01, while $1,500.00 is past due',
      );
    });
  });

  it('the state is always the most decisive of the reasons’ states (property)', () => {
    const contexts = fc.record({
      lastDraftPastDueCents: fc.option(fc.integer({ min: 0, max: 300000 }), { nil: undefined }),
      reportedBalanceCents: fc.option(fc.integer({ min: 0, max: 300000 }), { nil: undefined }),
      pendingPayment: fc.boolean(),
      reviewAboveCents: fc.option(fc.integer({ min: 0, max: 300000 }), { nil: undefined }),
    });
    const scenario = fc.record({
      paid: fc.integer({ min: 0, max: 200000 }),
      payDay: fc.integer({ min: 1, max: 28 }),
      dispute: fc.boolean(),
      bankrupt: fc.boolean(),
      day: fc.integer({ min: 1, max: 30 }),
    });
    fc.assert(
      fc.property(scenario, contexts, (s, ctx) => {
        const d = (n: number) => `2026-10-${String(n).padStart(2, '0')}`;
        const events: PortfolioInput['events'] = [];
        if (s.dispute) events.push({ leaseId: 'L1', date: d(3), type: 'dispute' });
        if (s.bankrupt)
          events.push({ leaseId: 'L1', date: d(4), type: 'status', status: 'bankruptcy' });
        const ledger: PortfolioInput['ledger'] = [rent('C1', d(1))];
        if (s.paid > 0) ledger.push({ ...payment('P1', d(s.payDay), s.paid), category: 'rent' });
        const clean = Object.fromEntries(
          Object.entries(ctx).filter(([, v]) => v !== undefined),
        ) as ReadinessContext;
        const r = readiness({ ledger, events }, d(s.day), clean);
        if (r.pastDueCents === 0) return r.state === 'current';
        const states = r.reasons.map((x) => REASON_STATE[x.code]);
        const expected = STATE_PRECEDENCE.find((st) => states.includes(st as never)) ?? 'ready';
        return r.state === expected && r.reasons.every((x) => REASON_CODES.includes(x.code));
      }),
      { numRuns: 200 },
    );
  });
});
