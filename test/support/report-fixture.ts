/**
 * A small portfolio with a known history, for the reports of SPEC 8. Every figure the
 * report tests expect is worked out by hand from what is written here (see the comments in
 * src/domain/reports/reports.test.ts). Reports run on 2026-12-15 over the seven days
 * 2026-12-09 … 2026-12-15. All properties are in America/Los_Angeles (UTC−8 in December).
 *
 * Oak Court (residential, owner O1)
 *   L1 Ana Ruiz, 12B, $1,500: rent unpaid since August; the engine's $50 late fee (08-06);
 *      paid $1,500 on 12-10 (partial); promised $3,000 on 12-11 by 12-13 and paid nothing
 *      (broken). Case 1 since 08-02: reminder, late fee, 3-day notice served 08-10
 *      (certified, delivered; first class), legal review drafted (awaiting approval).
 *   L2 `=HYPERLINK(…)` (a hostile name, for CSV injection), 14A, $1,200: November and
 *      December rent, the $50 late fee; a $500 payment on 11-15 reversed on 11-18; promised
 *      $500 on 11-20 by 11-25 (broken, before the period); promised $1,200 on 12-09 by 12-12
 *      and paid it on 12-11 (kept); disputed on 12-13; the late fee waived on 12-14 (a fee
 *      credit). Case 1 since 11-02; the 3-day notice went 12-09 by certified mail (returned
 *      12-14) and first class (no news yet).
 *   L3 Ben Okafor, 3C, $1,000: December rent; promised $1,000 on 12-10 by 12-14, paid it
 *      12-14 (kept; case 1 closed 12-14 as paid); a hardship hold 12-12..12-13; the late fee
 *      waived before it was posted (12-10); late-notice SMS delivered 12-09; reminder e-mail
 *      bounced 12-11; the 3-day notice cancelled (paid) 12-14.
 *   L4 Carl Mendes, 7D, $900, moved out: September rent unpaid; case 1 since 09-02, handed
 *      to a collections agency on 11-02; a collections letter 12-12 whose outcome was lost
 *      (unknown); an SMS refused by the provider 12-15 21:00 local; an open task.
 *   L5 Eve Park, 9F, $1,100: rent due 12-10 unpaid; an imported $75 fee due 12-15; case 1
 *      opened 12-11; the reminder SMS waits for approval; the reminder e-mail skipped (no
 *      consent).
 * Arroyo Storage (storage, owner O2)
 *   S1 Dana Whitfield, C-208, $195: October, November, December rent; the engine's $25 lien
 *      fee (10-16); on 12-12 paid $100 and $25 naming the fee; promised on 12-14 (no
 *      amount: the past-due amount) by 12-20. Case 1 since 10-02: the preliminary lien
 *      notice approved late and mailed 12-10 (delivered 12-12), the lien sale (12-28)
 *      drafted.
 */
import { policy as policySchema, type Policy } from '../../src/domain/policy/schema.js';
import {
  portfolio as portfolioSchema,
  type PortfolioInput,
} from '../../src/domain/portfolio/schema.js';
import type {
  CaseRecord,
  OutboxRecord,
  ProofRecord,
  ReportData,
  ScanRecord,
  TaskRecord,
  TransitionRecord,
} from '../../src/domain/reports/report-data.js';

export const AS_OF = '2026-12-15';
export const PERIOD = { from: '2026-12-09', to: '2026-12-15' };
export const ORGANISATION = 'Fixture Property Management';
export const HOSTILE = '=HYPERLINK("http://evil.example","pay here")';

const TZ = 'America/Los_Angeles';
const address = (line: string) => `${line}, Oakland CA 94607`;

export const POLICIES: Policy[] = [
  policySchema.parse({
    id: 'res',
    appliesTo: { kind: 'residential' },
    stages: [
      {
        id: 'reminder',
        name: 'Friendly reminder',
        day: 3,
        actions: [{ id: 'sms', type: 'message', channel: 'sms', template: 'reminder' }],
      },
      {
        id: 'late-fee',
        name: 'Late fee',
        day: 5,
        actions: [{ id: 'fee', type: 'fee', kind: 'late', amountCents: 5000 }],
      },
      {
        id: 'pay-or-quit',
        name: '3-day notice',
        day: 7,
        required: true,
        actions: [
          {
            id: 'notice',
            type: 'document',
            template: 'pay-or-quit-notice',
            delivery: ['certified_mail', 'first_class'],
          },
        ],
      },
      {
        id: 'legal',
        name: 'Legal review',
        day: 21,
        approval: 'manual',
        actions: [{ id: 'legal', type: 'escalate', to: 'legal' }],
      },
      {
        id: 'collections',
        name: 'Collections hand-off',
        day: 60,
        actions: [{ id: 'agency', type: 'escalate', to: 'collections_agency' }],
      },
    ],
  }),
  policySchema.parse({
    id: 'sto',
    appliesTo: { kind: 'storage' },
    stages: [
      {
        id: 'pre-lien',
        name: 'Preliminary lien notice',
        day: 14,
        actions: [
          {
            id: 'notice',
            type: 'document',
            template: 'pre-lien-notice',
            delivery: ['certified_mail'],
          },
        ],
      },
      {
        id: 'lien-fee',
        name: 'Lien fee',
        day: 15,
        actions: [{ id: 'fee', type: 'fee', kind: 'lien', amountCents: 2500 }],
      },
      {
        id: 'auction',
        name: 'Lien sale',
        day: 45,
        actions: [{ id: 'sale', type: 'auction', inDays: 14 }],
      },
    ],
  }),
];

const rent = (id: string, leaseId: string, due: string, cents: number) => ({
  id,
  leaseId,
  date: due,
  type: 'charge' as const,
  category: 'rent' as const,
  amountCents: cents,
  dueDate: due,
});
const fee = (id: string, leaseId: string, due: string, cents: number) => ({
  ...rent(id, leaseId, due, cents),
  category: 'fee' as const,
});
const pay = (id: string, leaseId: string, date: string, cents: number, appliesTo?: string) => ({
  id,
  leaseId,
  date,
  type: 'payment' as const,
  amountCents: cents,
  ...(appliesTo !== undefined ? { appliesTo } : {}),
});

export const PORTFOLIO_INPUT: PortfolioInput = {
  properties: [
    {
      id: 'P1',
      name: 'Oak Court',
      timezone: TZ,
      jurisdiction: 'US-CA',
      kind: 'residential',
      ownerId: 'O1',
    },
    {
      id: 'P2',
      name: 'Arroyo Storage',
      timezone: TZ,
      jurisdiction: 'US-CA',
      kind: 'storage',
      ownerId: 'O2',
    },
  ],
  tenants: [
    { id: 'T1', name: 'Ana Ruiz', address: address('12B Oak Court') },
    { id: 'T2', name: HOSTILE, address: address('14A Oak Court') },
    { id: 'T3', name: 'Ben Okafor', address: address('3C Oak Court') },
    { id: 'T4', name: 'Dana Whitfield', address: '415 S Lake Ave, Pasadena CA 91101' },
    { id: 'T5', name: 'Carl Mendes', address: address('PO Box 7') },
    { id: 'T6', name: 'Eve Park', address: address('9F Oak Court') },
  ],
  leases: [
    { id: 'L1', propertyId: 'P1', unit: '12B', tenantIds: ['T1'], rentCents: 150000 },
    { id: 'L2', propertyId: 'P1', unit: '14A', tenantIds: ['T2'], rentCents: 120000 },
    { id: 'L3', propertyId: 'P1', unit: '3C', tenantIds: ['T3'], rentCents: 100000 },
    {
      id: 'L4',
      propertyId: 'P1',
      unit: '7D',
      tenantIds: ['T5'],
      rentCents: 90000,
      status: 'moved_out',
    },
    { id: 'L5', propertyId: 'P1', unit: '9F', tenantIds: ['T6'], rentCents: 110000 },
    { id: 'S1', propertyId: 'P2', unit: 'C-208', tenantIds: ['T4'], rentCents: 19500 },
  ],
  ledger: [
    rent('R-L1-08', 'L1', '2026-08-01', 150000),
    fee('L1:1:late-fee:fee', 'L1', '2026-08-06', 5000),
    rent('R-L1-09', 'L1', '2026-09-01', 150000),
    rent('R-L1-10', 'L1', '2026-10-01', 150000),
    rent('R-L1-11', 'L1', '2026-11-01', 150000),
    rent('R-L1-12', 'L1', '2026-12-01', 150000),
    pay('PAY-L1-1', 'L1', '2026-12-10', 150000),

    rent('R-L2-11', 'L2', '2026-11-01', 120000),
    fee('L2:1:late-fee:fee', 'L2', '2026-11-06', 5000),
    pay('PAY-L2-0', 'L2', '2026-11-15', 50000),
    {
      id: 'REV-L2-0',
      leaseId: 'L2',
      date: '2026-11-18',
      type: 'reversal',
      amountCents: 50000,
      reverses: 'PAY-L2-0',
    },
    rent('R-L2-12', 'L2', '2026-12-01', 120000),
    pay('PAY-L2-1', 'L2', '2026-12-11', 120000),
    {
      id: 'waive:L2:1:late-fee:fee',
      leaseId: 'L2',
      date: '2026-12-14',
      type: 'credit',
      category: 'fee',
      amountCents: 5000,
      appliesTo: 'L2:1:late-fee:fee',
      memo: 'fee waived: goodwill',
    },

    rent('R-L3-12', 'L3', '2026-12-01', 100000),
    pay('PAY-L3-1', 'L3', '2026-12-14', 100000),

    rent('R-L4-09', 'L4', '2026-09-01', 90000),

    rent('R-L5-12', 'L5', '2026-12-10', 110000),
    fee('LATE-L5', 'L5', '2026-12-15', 7500),

    rent('R-S1-10', 'S1', '2026-10-01', 19500),
    fee('S1:1:lien-fee:fee', 'S1', '2026-10-16', 2500),
    rent('R-S1-11', 'S1', '2026-11-01', 19500),
    rent('R-S1-12', 'S1', '2026-12-01', 19500),
    pay('PAY-S1-1', 'S1', '2026-12-12', 10000),
    pay('PAY-S1-2', 'S1', '2026-12-12', 2500, 'S1:1:lien-fee:fee'),
  ],
  events: [
    {
      type: 'promise',
      id: 'E-L1-p',
      leaseId: 'L1',
      date: '2026-12-11',
      amountCents: 300000,
      until: '2026-12-13',
    },
    {
      type: 'promise',
      id: 'E-L2-p0',
      leaseId: 'L2',
      date: '2026-11-20',
      amountCents: 50000,
      until: '2026-11-25',
    },
    {
      type: 'promise',
      id: 'E-L2-p1',
      leaseId: 'L2',
      date: '2026-12-09',
      amountCents: 120000,
      until: '2026-12-12',
    },
    {
      type: 'dispute',
      id: 'E-L2-d',
      leaseId: 'L2',
      date: '2026-12-13',
      reason: 'says rent was paid in cash',
    },
    {
      type: 'promise',
      id: 'E-L3-p',
      leaseId: 'L3',
      date: '2026-12-10',
      amountCents: 100000,
      until: '2026-12-14',
    },
    {
      type: 'hold',
      id: 'E-L3-h',
      leaseId: 'L3',
      date: '2026-12-12',
      hold: 'hardship',
      until: '2026-12-13',
    },
    {
      type: 'delivery',
      id: 'delivery:L3:1:reminder:email:bounced',
      leaseId: 'L3',
      date: '2026-12-11',
      status: 'bounced',
      key: 'L3:1:reminder:email',
      channel: 'email',
    },
    { type: 'promise', id: 'E-S1-p', leaseId: 'S1', date: '2026-12-14', until: '2026-12-20' },
  ],
};

export const CASES: CaseRecord[] = [
  ['L1', '2026-08-02', '2026-08-01', null, null, 'res'],
  ['L2', '2026-11-02', '2026-11-01', null, null, 'res'],
  ['L3', '2026-12-02', '2026-12-01', '2026-12-14', 'paid', 'res'],
  ['L4', '2026-09-02', '2026-09-01', null, null, 'res'],
  ['L5', '2026-12-11', '2026-12-10', null, null, 'res'],
  ['S1', '2026-10-02', '2026-10-01', null, null, 'sto'],
].map(([leaseId, opened, anchor, closed, outcome, policyId]) => ({
  leaseId: leaseId!,
  episode: 1,
  opened: opened!,
  anchor: anchor!,
  closed: closed ?? null,
  outcome: outcome ?? null,
  policyId: policyId!,
  policyVersion: 1,
}));

/** `date` is the item's planned local date; its due instant is 08:00 that day (16:00Z). */
function item(
  key: string,
  type: string,
  status: string,
  date: string,
  over: Partial<OutboxRecord> & { payload?: OutboxRecord['payload'] } = {},
): OutboxRecord {
  const [leaseId, episode, stage, rest] = key.split(':') as [string, string, string, string];
  const action = rest.split('/')[0]!;
  const dueAt = `${date}T16:00:00.000Z`;
  return {
    key,
    leaseId,
    episode: Number(episode),
    stage,
    action,
    type,
    channel: null,
    method: null,
    contactId: null,
    status,
    reason: null,
    amountCents: null,
    dueAt,
    createdAt: dueAt,
    updatedAt: dueAt,
    ...over,
    payload: { date, ...over.payload },
  };
}
const sms = { channel: 'sms', method: 'sms' };
const email = { channel: 'email', method: 'email' };
const mail = (method: string, contactId: string) => ({ method, contactId });

export const OUTBOX: OutboxRecord[] = [
  item('L1:1:reminder:sms', 'message', 'delivered', '2026-08-04', sms),
  item('L1:1:late-fee:fee', 'fee', 'sent', '2026-08-06', {
    amountCents: 5000,
    payload: { feeKind: 'late' },
  }),
  item('L1:1:pay-or-quit:notice/T1/certified_mail', 'document', 'delivered', '2026-08-08', {
    ...mail('certified_mail', 'T1'),
    payload: { template: 'pay-or-quit-notice' },
  }),
  item('L1:1:pay-or-quit:notice/T1/first_class', 'document', 'sent', '2026-08-08', {
    ...mail('first_class', 'T1'),
    payload: { template: 'pay-or-quit-notice' },
  }),
  item('L1:1:legal:legal', 'escalate', 'draft', '2026-08-22', { payload: { to: 'legal' } }),

  item('L2:1:reminder:sms', 'message', 'delivered', '2026-11-04', sms),
  item('L2:1:late-fee:fee', 'fee', 'sent', '2026-11-06', {
    amountCents: 5000,
    payload: { feeKind: 'late' },
  }),
  item('L2:1:late-fee:sms', 'message', 'delivered', '2026-12-08', sms),
  item('L2:1:pay-or-quit:notice/T2/certified_mail', 'document', 'failed', '2026-12-09', {
    ...mail('certified_mail', 'T2'),
    reason: 'returned',
  }),
  item('L2:1:pay-or-quit:notice/T2/first_class', 'document', 'sent', '2026-12-09', {
    ...mail('first_class', 'T2'),
  }),

  item('L3:1:reminder:sms', 'message', 'delivered', '2026-12-04', sms),
  item('L3:1:late-fee:fee', 'fee', 'cancelled', '2026-12-06', {
    amountCents: 5000,
    reason: 'waived: goodwill',
    payload: { feeKind: 'late' },
  }),
  item('L3:1:late-fee:sms', 'message', 'delivered', '2026-12-09', sms),
  item('L3:1:reminder:email', 'message', 'failed', '2026-12-11', {
    ...email,
    reason: 'bounced: mailbox full',
  }),
  item('L3:1:pay-or-quit:notice/T3/certified_mail', 'document', 'cancelled', '2026-12-15', {
    ...mail('certified_mail', 'T3'),
    reason: 'paid',
  }),

  item('L4:1:collections:agency', 'escalate', 'sent', '2026-10-31', {
    payload: { to: 'collections_agency' },
  }),
  item('L4:1:collections:letter/T5/first_class', 'document', 'unknown', '2026-12-12', {
    ...mail('first_class', 'T5'),
  }),
  item('L4:1:collections:sms', 'message', 'failed', '2026-12-15', {
    ...sms,
    reason: 'invalid_number',
  }),

  item('L5:1:reminder:sms', 'message', 'draft', '2026-12-13', sms),
  item('L5:1:reminder:email', 'message', 'skipped', '2026-12-13', {
    ...email,
    reason: 'no_consent',
  }),

  item('S1:1:pre-lien:notice/T4/certified_mail', 'document', 'delivered', '2026-10-15', {
    ...mail('certified_mail', 'T4'),
  }),
  item('S1:1:lien-fee:fee', 'fee', 'sent', '2026-10-16', {
    amountCents: 2500,
    payload: { feeKind: 'lien' },
  }),
  item('S1:1:auction:sale', 'auction', 'draft', '2026-11-15', {
    payload: { saleDate: '2026-12-28' },
  }),
];

type T = [key: string, from: string | null, to: string, at: string, reason?: string];
const HISTORY: T[] = [
  ['L1:1:pay-or-quit:notice/T1/certified_mail', 'dispatching', 'sent', '2026-08-10T17:00:00.000Z'],
  ['L1:1:pay-or-quit:notice/T1/certified_mail', 'sent', 'delivered', '2026-08-13T17:00:00.000Z'],
  ['L1:1:pay-or-quit:notice/T1/first_class', 'dispatching', 'sent', '2026-08-10T17:05:00.000Z'],
  // 2026-12-08 22:00 local: sent the day before the period.
  ['L2:1:late-fee:sms', 'dispatching', 'sent', '2026-12-09T06:00:00.000Z'],
  ['L2:1:late-fee:sms', 'sent', 'delivered', '2026-12-09T06:01:00.000Z'],
  ['L2:1:pay-or-quit:notice/T2/certified_mail', 'dispatching', 'sent', '2026-12-09T18:00:00.000Z'],
  [
    'L2:1:pay-or-quit:notice/T2/certified_mail',
    'sent',
    'failed',
    '2026-12-14T18:00:00.000Z',
    'returned',
  ],
  ['L2:1:pay-or-quit:notice/T2/first_class', 'dispatching', 'sent', '2026-12-09T18:01:00.000Z'],
  // Sent 12-04 (outside the period), delivered inside it: not sent in the period.
  ['L3:1:reminder:sms', 'dispatching', 'sent', '2026-12-04T17:00:00.000Z'],
  ['L3:1:reminder:sms', 'sent', 'delivered', '2026-12-09T01:00:00.000Z'],
  ['L3:1:late-fee:fee', 'draft', 'cancelled', '2026-12-10T19:00:00.000Z', 'waived: goodwill'],
  ['L3:1:late-fee:sms', 'dispatching', 'sent', '2026-12-09T17:00:00.000Z'],
  ['L3:1:late-fee:sms', 'sent', 'delivered', '2026-12-09T17:01:00.000Z'],
  ['L3:1:reminder:email', 'dispatching', 'sent', '2026-12-11T17:00:00.000Z'],
  ['L3:1:reminder:email', 'sent', 'failed', '2026-12-11T17:30:00.000Z', 'bounced: mailbox full'],
  [
    'L3:1:pay-or-quit:notice/T3/certified_mail',
    'draft',
    'cancelled',
    '2026-12-14T20:00:00.000Z',
    'paid',
  ],
  ['L4:1:collections:agency', 'dispatching', 'sent', '2026-11-02T17:00:00.000Z'],
  ['L4:1:collections:letter/T5/first_class', 'dispatching', 'unknown', '2026-12-12T20:00:00.000Z'],
  // 2026-12-15 21:00 local: the last evening of the period.
  ['L4:1:collections:sms', 'dispatching', 'failed', '2026-12-16T05:00:00.000Z', 'invalid_number'],
  ['L5:1:reminder:email', null, 'skipped', '2026-12-13T16:00:00.000Z', 'no_consent'],
  ['S1:1:pre-lien:notice/T4/certified_mail', null, 'draft', '2026-10-15T16:00:00.000Z'],
  ['S1:1:pre-lien:notice/T4/certified_mail', 'draft', 'approved', '2026-12-10T16:00:00.000Z'],
  ['S1:1:pre-lien:notice/T4/certified_mail', 'approved', 'dispatching', '2026-12-10T16:59:00.000Z'],
  ['S1:1:pre-lien:notice/T4/certified_mail', 'dispatching', 'sent', '2026-12-10T17:00:00.000Z'],
  ['S1:1:pre-lien:notice/T4/certified_mail', 'sent', 'delivered', '2026-12-12T18:00:00.000Z'],
];

export const TRANSITIONS: TransitionRecord[] = (() => {
  const seq = new Map<string, number>();
  return HISTORY.map(([key, from, to, at, reason]) => {
    const n = (seq.get(key) ?? 0) + 1;
    seq.set(key, n);
    return {
      key,
      seq: n,
      from,
      to,
      at,
      actor:
        to === 'delivered' || (from === 'sent' && to === 'failed')
          ? 'provider:test'
          : 'worker:test',
      reason: reason ?? null,
    };
  });
})();

export const PROOFS: ProofRecord[] = [
  {
    id: 'PR-L1',
    outboxKey: 'L1:1:pay-or-quit:notice/T1/certified_mail',
    leaseId: 'L1',
    method: 'certified_mail',
    status: 'delivered',
    servedOn: '2026-08-10',
    trackingNumber: '9400100000000000000001',
  },
  {
    id: 'PR-S1',
    outboxKey: 'S1:1:pre-lien:notice/T4/certified_mail',
    leaseId: 'S1',
    method: 'certified_mail',
    status: 'delivered',
    servedOn: '2026-12-10',
    trackingNumber: '9400100000000000000002',
  },
];

export const TASKS: TaskRecord[] = [
  {
    id: 'L4:1:collections:task',
    leaseId: 'L4',
    episode: 1,
    title: 'Send the file to the agency',
    assignee: 'role:collections',
    dueDate: '2026-12-18',
    status: 'open',
  },
];

export const SCANS: ScanRecord[] = [
  {
    id: 'scan-a',
    asOf: '2026-12-08T17:00:00.000Z', // the day before the period
    finishedAt: '2026-12-08T17:00:05.000Z',
    changes: [{ leaseId: 'L5', type: 'lease_added', detail: 'new lease: $0.00 past due' }],
  },
  {
    id: 'scan-b',
    asOf: '2026-12-10T17:00:00.000Z',
    finishedAt: '2026-12-10T17:00:05.000Z',
    changes: [
      {
        leaseId: 'L1',
        type: 'payment_received',
        detail: 'payment PAY-L1-1 of $1,500.00 on 2026-12-10',
        id: 'PAY-L1-1',
        amountCents: 150000,
        date: '2026-12-10',
      },
    ],
  },
  {
    id: 'scan-c',
    asOf: '2026-12-14T17:00:00.000Z',
    finishedAt: '2026-12-14T17:00:05.000Z',
    changes: [
      {
        leaseId: 'L2',
        type: 'hold_started',
        detail: 'dispute hold since 2026-12-13',
        hold: 'dispute',
        date: '2026-12-13',
      },
      { leaseId: 'L3', type: 'case_closed', detail: 'case 1 closed', episode: 1 },
    ],
  },
];

export function fixtureData(): ReportData {
  return {
    organisation: { id: 'default', name: ORGANISATION },
    portfolio: portfolioSchema.parse(PORTFOLIO_INPUT),
    policies: POLICIES,
    reportedBalances: [],
    cases: CASES,
    outbox: OUTBOX,
    transitions: TRANSITIONS,
    proofs: PROOFS,
    tasks: TASKS,
    scans: SCANS,
  };
}
