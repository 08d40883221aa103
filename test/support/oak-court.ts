/**
 * The smallest portfolio that has a case: one California apartment, one tenant (Ana Ruiz,
 * sms and e-mail consent), October rent of $1,500.00 due on the 1st and unpaid; and a
 * policy whose one stage, day 5, runs the actions a test names.
 */
import { importJsonPortfolio, type ImportDeps } from '../../src/app/import-portfolio.js';
import { parsePolicy } from '../../src/domain/policy/read.js';
import type { Policy } from '../../src/domain/policy/schema.js';

export function oakCourt(over: { tenants?: Record<string, unknown>[] } = {}) {
  return {
    properties: [
      {
        id: 'P1',
        name: 'Oak Court',
        timezone: 'America/Los_Angeles',
        jurisdiction: 'US-CA',
        kind: 'residential',
      },
    ],
    tenants: over.tenants ?? [
      {
        id: 'T1',
        name: 'Ana Ruiz',
        email: 'ana@example.com',
        phone: '+14155550101',
        consent: { sms: true, email: true },
      },
    ],
    leases: [{ id: 'L1', propertyId: 'P1', unit: '12B', tenantIds: ['T1'], rentCents: 150000 }],
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
    ] as Record<string, unknown>[],
  };
}

/** `residential-ca`: one stage `late-notice` on day 5 with these actions (YAML flow maps). */
export function lateNoticePolicy(...actions: string[]): Policy {
  return parsePolicy(
    `id: residential-ca
appliesTo: {jurisdiction: US-CA, kind: residential}
stages:
  - id: late-notice
    day: 5
    actions:
${actions.map((a) => `      - ${a}`).join('\n')}
`,
    'policy.yaml',
  );
}

/** Imports Oak Court into `orgId`, as a JSON portfolio file. */
export async function importOakCourt(deps: ImportDeps, orgId: string): Promise<void> {
  await importJsonPortfolio(deps, {
    orgId,
    fileName: 'oak-court.json',
    text: JSON.stringify(oakCourt()),
    format: 'json',
    actor: 'test',
  });
}
