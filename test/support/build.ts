/** Small builders so rule tests read like the spec's examples. */
import { simulate } from '../../src/domain/evaluator/simulate.js';
import type { PlannedAction } from '../../src/domain/evaluator/types.js';
import {
  policy as policySchema,
  type Policy,
  type PolicyInput,
} from '../../src/domain/policy/schema.js';
import {
  portfolio as portfolioSchema,
  type Portfolio,
  type PortfolioInput,
} from '../../src/domain/portfolio/schema.js';

export const OAK_COURT = {
  id: 'P1',
  name: 'Oak Court',
  timezone: 'America/Los_Angeles',
  jurisdiction: 'US-CA',
  kind: 'residential' as const,
  ownerId: 'O1',
};

export const ANA = {
  id: 'T1',
  name: 'Ana Ruiz',
  email: 'ana@example.com',
  phone: '+14155550101',
  address: '12B Oak Court, Oakland CA 94607',
  consent: { sms: true, email: true, voice: true, eNotices: true },
};

export function rent(id: string, due: string, cents = 150000, leaseId = 'L1') {
  return {
    id,
    leaseId,
    date: due,
    type: 'charge' as const,
    category: 'rent' as const,
    amountCents: cents,
    dueDate: due,
  };
}

export function payment(id: string, date: string, cents: number, leaseId = 'L1') {
  return { id, leaseId, date, type: 'payment' as const, amountCents: cents };
}

/** One residential lease L1 for Ana at Oak Court, rent $1,500 due 2026-10-01 unless `ledger` says otherwise. */
export function portfolio(over: Partial<PortfolioInput> = {}): Portfolio {
  return portfolioSchema.parse({
    properties: [OAK_COURT],
    tenants: [ANA],
    leases: [
      {
        id: 'L1',
        propertyId: 'P1',
        unit: '12B',
        spaceType: 'apartment',
        tenantIds: ['T1'],
        rentCents: 150000,
      },
    ],
    ledger: [rent('C1', '2026-10-01')],
    ...over,
  });
}

export function policy(over: Partial<PolicyInput> = {}): Policy {
  return policySchema.parse({
    id: 'test',
    stages: [
      {
        id: 'late-notice',
        day: 5,
        actions: [{ id: 'sms', type: 'message', channel: 'sms', template: 'late-notice' }],
      },
    ],
    ...over,
  });
}

export function run(p: Portfolio, pol: Policy | Policy[], from = '2026-10-01', to = '2026-11-30') {
  return simulate(p, Array.isArray(pol) ? pol : [pol], from, to);
}

/** `date key status reason` lines: what a reviewer reads. */
export function lines(actions: PlannedAction[]): string[] {
  return actions.map((a) => [a.date, a.key, a.status, a.reason ?? ''].join(' ').trimEnd());
}

export function due(actions: PlannedAction[]): PlannedAction[] {
  return actions.filter((a) => a.status === 'due');
}
