import { describe, expect, it } from 'vitest';
import { ANA, OAK_COURT, payment, policy, rent } from '../../../test/support/build.js';
import { leaseInputs } from '../evaluator/simulate.js';
import { portfolio as portfolioSchema, type PortfolioInput } from '../portfolio/schema.js';
import { exceptionList, EXCEPTION_RULES } from './exceptions.js';
import { leaseReadiness, REASON_CODES, type ReadinessContext } from './readiness.js';

const lease = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  propertyId: 'P1',
  unit: id.replace('L', 'U'),
  tenantIds: ['T1'],
  rentCents: 150000,
  ...extra,
});

/** Several leases for Ana at Oak Court, each with its own story. */
function run(
  leases: PortfolioInput['leases'],
  ledger: PortfolioInput['ledger'],
  events: PortfolioInput['events'],
  at: string,
  contexts: Record<string, ReadinessContext> = {},
) {
  const p = portfolioSchema.parse({
    properties: [OAK_COURT],
    tenants: [ANA],
    leases,
    ledger,
    events,
  });
  const { inputs } = leaseInputs(p, [policy()]);
  return exceptionList(
    inputs.map((input) => ({
      input,
      readiness: leaseReadiness(input, at, contexts[input.lease.id] ?? {}),
    })),
  );
}

describe('the exception list (SPEC 5)', () => {
  it('Ana paid $500 of $1,500 on 10-20: a partial_payment row owned by collections', () => {
    const rows = run(
      [lease('L1')],
      [rent('C1', '2026-10-01'), payment('P1', '2026-10-20', 50000)],
      [],
      '2026-10-21',
    );
    expect(rows).toEqual([
      {
        leaseId: 'L1',
        propertyId: 'P1',
        unit: 'U1',
        state: 'recent_payment',
        code: 'partial_payment',
        reasonState: 'review',
        severity: 'medium',
        detail: 'paid $500.00 of $1,500.00 on 2026-10-20; $1,000.00 still past due',
        amountCents: 50000,
        owner: 'collections',
        nextAction: 'Decide whether to accept the partial payment and re-draft',
        due: '2026-10-21',
        since: '2026-10-20',
      },
      expect.objectContaining({
        code: 'recent_payment',
        severity: 'low',
        amountCents: 50000,
        due: '2026-10-24', // the wait ends after the third day
      }),
    ]);
  });

  it('covers disputes, deposits, unapplied credits, duplicates, mismatches and missing contacts, by severity then amount', () => {
    const ledger: PortfolioInput['ledger'] = [
      // L1: disputed
      rent('C1', '2026-10-01', 150000, 'L1'),
      // L2: a duplicate rent row
      rent('C2', '2026-10-01', 120000, 'L2'),
      rent('C2b', '2026-10-01', 120000, 'L2'),
      // L3: the source says $1,000, the ledger $1,500
      rent('C3', '2026-10-01', 150000, 'L3'),
      // L4: deposit reached by oldest-first allocation
      {
        id: 'D4',
        leaseId: 'L4',
        date: '2026-09-01',
        type: 'charge',
        category: 'deposit',
        amountCents: 90000,
        dueDate: '2026-09-01',
      },
      payment('P4', '2026-09-01', 90000, 'L4'),
      rent('C4', '2026-10-01', 150000, 'L4'),
      // L5: nobody to reach
      rent('C5', '2026-10-01', 80000, 'L5'),
      // L6: ready
      rent('C6', '2026-10-01', 150000, 'L6'),
      // L7: paid up, but a duplicate payment row
      rent('C7', '2026-10-01', 100000, 'L7'),
      payment('P7', '2026-10-01', 100000, 'L7'),
      payment('P7b', '2026-10-01', 100000, 'L7'),
    ];
    const rows = run(
      [
        lease('L1'),
        lease('L2'),
        lease('L3'),
        lease('L4'),
        lease('L5', { tenantIds: ['T2'] }),
        lease('L6'),
        lease('L7'),
      ],
      ledger,
      [{ leaseId: 'L1', date: '2026-10-04', type: 'dispute' }],
      '2026-10-10',
      { L3: { reportedBalanceCents: 100000 } },
    ).map((r) => [r.leaseId, r.code, r.severity, r.owner, r.amountCents ?? null, r.since]);
    expect(rows).toEqual([
      ['L3', 'balance_mismatch', 'high', 'finance', 50000, '2026-10-10'],
      ['L1', 'dispute', 'high', 'collections', null, '2026-10-04'],
      ['L5', 'data_error', 'high', 'finance', null, '2026-10-10'],
      ['L5', 'missing_contact', 'high', 'manager', null, '2026-10-10'],
      ['L2', 'duplicate_ledger_row', 'medium', 'finance', 120000, '2026-10-01'],
      ['L7', 'duplicate_ledger_row', 'medium', 'finance', 100000, '2026-10-01'],
      ['L4', 'deposit_may_cover', 'medium', 'finance', 90000, '2026-09-01'],
    ]);
  });

  it('routes review holds by the reply that placed them', () => {
    const rows = run(
      [lease('L1')],
      [rent('C1', '2026-10-01')],
      [
        {
          leaseId: 'L1',
          date: '2026-10-07',
          type: 'reply',
          channel: 'sms',
          text: 'I already paid this last week',
        },
      ],
      '2026-10-08',
    );
    expect(rows).toMatchObject([
      {
        code: 'review_hold',
        owner: 'finance',
        nextAction: 'Check the payment the tenant says was made',
        since: '2026-10-07',
      },
    ]);
  });

  it('a promise is due the day after its last day', () => {
    const rows = run(
      [lease('L1')],
      [rent('C1', '2026-10-01')],
      [
        {
          leaseId: 'L1',
          date: '2026-10-09',
          type: 'promise',
          amountCents: 150000,
          until: '2026-10-16',
        },
      ],
      '2026-10-10',
    );
    expect(rows).toMatchObject([
      {
        code: 'promise',
        state: 'hold',
        owner: 'collections',
        due: '2026-10-17',
        since: '2026-10-09',
      },
    ]);
  });

  it('every reason code has a severity, an owner and a next action', () => {
    for (const code of REASON_CODES) {
      expect(EXCEPTION_RULES[code].next.length).toBeGreaterThan(0);
      expect(['admin', 'manager', 'collections', 'legal', 'finance']).toContain(
        EXCEPTION_RULES[code].owner,
      );
    }
  });
});
