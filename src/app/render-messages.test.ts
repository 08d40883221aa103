/** Messages are planned with their words: the recipient's language, the amount owed now. */
import { describe, expect, it } from 'vitest';
import { leaseInputs } from '../domain/evaluator/simulate.js';
import { parsePolicy } from '../domain/policy/read.js';
import { parsePortfolio } from '../domain/portfolio/read.js';
import type { PlannedItem } from './ports/scan.js';
import { renderedMessage, renderMessages } from './render-messages.js';

const portfolio = parsePortfolio(
  JSON.stringify({
    properties: [
      {
        id: 'P1',
        name: 'Oak Court',
        legalName: 'Oak Court Apartments LLC',
        timezone: 'America/Los_Angeles',
        jurisdiction: 'US-CA',
        kind: 'residential',
        phone: '+15105550100',
      },
    ],
    tenants: [
      { id: 'T1', name: 'Ana Ruiz', phone: '+14155550101', consent: { sms: true } },
      {
        id: 'T2',
        name: 'José Pérez',
        phone: '+14155550102',
        language: 'es',
        consent: { sms: true },
      },
    ],
    leases: [
      { id: 'L1', propertyId: 'P1', unit: '12B', tenantIds: ['T1', 'T2'], rentCents: 150000 },
    ],
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
      { id: 'P1', leaseId: 'L1', date: '2026-10-03', type: 'payment', amountCents: 40000 },
    ],
  }),
  'p.json',
);
const policy = parsePolicy(
  `id: residential-ca
appliesTo: {jurisdiction: US-CA, kind: residential}
stages:
  - id: late-notice
    day: 5
    actions:
      - {id: sms, type: message, channel: sms, template: late-notice}
`,
  'policy.yaml',
);
const input = leaseInputs(portfolio, [policy]).inputs[0]!;

function sms(contactId: string): PlannedItem {
  return {
    key: `L1:1:late-notice:sms:${contactId}`,
    leaseId: 'L1',
    episode: 1,
    stage: 'late-notice',
    action: 'sms',
    type: 'message',
    channel: 'sms',
    method: 'sms',
    contactId,
    dueAt: '2026-10-06T16:00:00.000Z',
    status: 'draft',
    reason: null,
    approvalsRequired: 1,
    amountCents: null,
    policyId: 'residential-ca',
    policyVersion: 1,
    payload: { template: 'late-notice', date: '2026-10-06', pastDueCents: 110000 },
  };
}

describe('messages carry their rendered text', () => {
  it('each recipient gets the template in their language with what is owed on the date', () => {
    const [en, es] = renderMessages(input, [sms('T1'), sms('T2')]);
    expect(en!.payload).toMatchObject({
      template: 'late-notice',
      locale: 'en',
      templateKey: 'late-notice',
      subject: 'Your rent is past due - Oak Court',
    });
    expect(en!.payload.body).toContain('Hi Ana, Oak Court here.');
    expect(en!.payload.body).toContain('past due: $1,100.00');
    expect(es!.payload).toMatchObject({ locale: 'es', templateKey: 'late-notice.es' });
    expect(es!.payload.body).toContain('Hola José');
    expect(es!.payload.body).toContain('$1,100.00');
  });

  it('skipped items and non-messages are left as they are', () => {
    const skipped = { ...sms('T1'), status: 'skipped' as const, reason: 'no_consent' };
    const fee = { ...sms('T1'), type: 'fee', payload: { date: '2026-10-06' } };
    expect(renderMessages(input, [skipped, fee])).toEqual([skipped, fee]);
  });

  it('a re-render on another date names what is owed then', () => {
    const later = renderedMessage(input, sms('T1'), '2026-10-02');
    expect(later?.body).toContain('past due: $1,500.00');
  });

  it('plurals follow the language: one day, 15 days; un día, 15 días', () => {
    const final = { ...sms('T1'), payload: { template: 'final-notice', date: '2026-10-02' } };
    expect(renderedMessage(input, final, '2026-10-02')?.body).toContain(
      ', 1 day after the due date',
    );
    expect(renderedMessage(input, final, '2026-10-16')?.body).toContain(', 15 days after');
    const es = { ...final, contactId: 'T2' };
    expect(renderedMessage(input, es, '2026-10-02')?.body).toContain(', 1 día después');
    expect(renderedMessage(input, es, '2026-10-16')?.body).toContain(', 15 días después');
  });
});
