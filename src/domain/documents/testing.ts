/**
 * A small California self-storage facility for the document tests: one English and one
 * Spanish occupant who never pay October, a late fee posted by the engine, and a policy
 * that mails the preliminary lien notice by certified mail. Not used by the engine.
 */
import { parse } from 'yaml';
import type { LeaseInput } from '../evaluator/lease-run.js';
import { leaseInputs } from '../evaluator/simulate.js';
import { policyFromValue } from '../policy/read.js';
import type { Policy } from '../policy/schema.js';
import { portfolioFromValue } from '../portfolio/read.js';
import type { Portfolio } from '../portfolio/schema.js';

export const SAMPLE_POLICY_YAML = `id: storage-docs
appliesTo: {jurisdiction: US-CA, kind: storage}
trigger: {minPastDueCents: 100, categories: [rent, fee]}
stages:
  - id: late-fee
    name: Late fee
    day: 10
    actions:
      - {id: fee, type: fee, amountCents: 2000}
  - id: pre-lien-notice
    name: Preliminary lien notice
    day: 15
    required: true
    actions:
      - {id: notice, type: document, template: pre-lien-notice, delivery: [certified_mail], to: [tenant]}
`;

export function samplePortfolioValue(): Record<string, unknown> {
  const address = {
    line1: '1450 E Walnut St',
    city: 'Pasadena',
    region: 'CA',
    postalCode: '91106',
    country: 'US',
  };
  const rent = (lease: string, id: string, date: string, cents: number) => ({
    id,
    leaseId: lease,
    date,
    type: 'charge',
    category: 'rent',
    amountCents: cents,
    dueDate: date,
  });
  return {
    properties: [
      {
        id: 'STO',
        name: 'Arroyo Self Storage',
        timezone: 'America/Los_Angeles',
        jurisdiction: 'US-CA',
        kind: 'storage',
        address,
        legalName: 'Arroyo Storage Partners, LP',
        payTo: { name: 'Arroyo Storage Partners, LP', address, hours: 'Mon-Sat 9:30-18:00' },
        phone: '+16265550100',
        email: 'office@arroyostorage.example',
      },
    ],
    tenants: [
      {
        id: 'T-1',
        name: 'Dana Whitfield',
        email: 'dana@example.com',
        address: {
          line1: '415 S Lake Ave',
          line2: 'Apt 9',
          city: 'Pasadena',
          region: 'CA',
          postalCode: '91101',
          country: 'US',
        },
        consent: { email: true },
      },
      {
        id: 'T-2',
        name: 'Lucía Hernández',
        address: '1820 N Fair Oaks Ave, Pasadena, CA 91103',
        language: 'es',
      },
      { id: 'T-3', name: 'Nadie Sinaddress' },
    ],
    leases: [
      {
        id: 'S-1',
        propertyId: 'STO',
        unit: 'C-208',
        spaceType: '10x10',
        tenantIds: ['T-1'],
        rentCents: 19500,
      },
      { id: 'S-2', propertyId: 'STO', unit: 'L-07', tenantIds: ['T-2'], rentCents: 5500 },
      { id: 'S-3', propertyId: 'STO', unit: 'A-001', tenantIds: ['T-3'], rentCents: 9900 },
    ],
    ledger: [
      rent('S-1', 'S1-R09', '2026-09-01', 19500),
      { id: 'S1-P09', leaseId: 'S-1', date: '2026-09-01', type: 'payment', amountCents: 19500 },
      rent('S-1', 'S1-R10', '2026-10-01', 19500),
      {
        id: 'S-1:1:late-fee:fee',
        leaseId: 'S-1',
        date: '2026-10-11',
        type: 'charge',
        category: 'fee',
        amountCents: 2000,
        dueDate: '2026-10-11',
        memo: 'late-fee: fee',
      },
      {
        id: 'S1-U10',
        leaseId: 'S-1',
        date: '2026-10-05',
        type: 'charge',
        category: 'utility',
        amountCents: 1234,
        dueDate: '2026-10-05',
        memo: 'electricity',
      },
      rent('S-2', 'S2-R10', '2026-10-01', 5500),
      rent('S-3', 'S3-R10', '2026-10-01', 9900),
    ],
  };
}

export function samplePolicy(): Policy {
  return policyFromValue(parse(SAMPLE_POLICY_YAML));
}

export function samplePortfolio(): Portfolio {
  return portfolioFromValue(samplePortfolioValue());
}

/** The lease input of `leaseId` as the evaluator sees it. */
export function sampleLeaseInput(leaseId: string): LeaseInput {
  const input = leaseInputs(samplePortfolio(), [samplePolicy()]).inputs.find(
    (i) => i.lease.id === leaseId,
  );
  if (!input) throw new Error(`no lease ${leaseId} in the sample`);
  return input;
}
