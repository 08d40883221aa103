/**
 * Nevada. Built only from /reference/jurisdictions.md (sections 1, 2 and 5, and the storage
 * late fees of section 4); every rule carries its citation, the sources read and how well it
 * was verified. Not legal advice: counsel must confirm every default before it ships.
 *
 * Nevada is not among the self-storage lien states of the reference: only its storage late
 * fee is encoded, no lien notices. Not encoded: the 10-day notice for mobile-home lots, and the
 * exception for shutdown-affected federal, state and tribal workers (§40.2512(2)), which the
 * engine cannot identify.
 */
import type { DeliveryMethod } from '../portfolio/schema.js';
import type { JurisdictionPack } from './types.js';

/** The enactment date is not recorded in the reference: the rule is treated as always in force. */
const IN_FORCE_SINCE_UNRECORDED = '1970-01-01';

const MAIL: DeliveryMethod[] = [
  'certified_mail',
  'certified_mail_e_return_receipt',
  'first_class',
  'first_class_certificate_of_mailing',
];

const NOTICE_SOURCES = [
  'https://nevada.public.law/statutes/nrs_40.2512',
  'https://accidentlawyerhenderson.com/what-is-a-7-day-notice-to-pay-rent-or-quit/',
];

const SERVICE_PARTS = [
  'delivery methods (not in the reference)',
  'who may serve (a secondary source says only a process server, constable or attorney)',
];

const SERVICE_NOTE =
  'How the notice must be served is not in the reference, and a secondary source says only a ' +
  'process server, constable or attorney may serve it (unverified): service is a task for them, ' +
  'and the mail methods are the copies the engine sends. Whether the day of service counts is ' +
  'not stated: it is not counted.';

export const US_NV: JurisdictionPack = {
  id: 'US-NV',
  name: 'Nevada',
  holidays: 'US-NV',
  lateFees: [
    {
      id: 'US-NV/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'NRS 118A.210(4)',
      sources: [
        'https://nevada.public.law/statutes/nrs_118a.210',
        'http://ciraclaw.com/late-fees-rental-agreements/',
        'https://fastdemocracy.com/bill-summary/?billsummary_id=NVB00005194&billsummary_session=81&billsummary_state=nv',
      ],
      status: 'secondary',
      earliestDay: 3,
      cap: { type: 'percent', percent: 5, of: 'monthly_rent' },
      oncePerLatePayment: false,
      note:
        'For tenancies longer than week to week, no late fee until at least 3 calendar days after ' +
        'the due date; at most 5% of the periodic rent (monthly rent is used), and the maximum may ' +
        'not grow based on prior late fees. The fee must be in the rental agreement.',
    },
    {
      id: 'US-NV/storage/late-fee',
      appliesTo: ['storage'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'NRS 108.4758',
      sources: ['https://nevadastateauthority.com/laws/state_statute/108.108.4758/'],
      status: 'secondary',
      earliestDay: 1,
      cap: {
        type: 'greater_of',
        of: [
          { type: 'flat', cents: 2_000 },
          { type: 'percent', percent: 20, of: 'monthly_rent' },
        ],
      },
      oncePerLatePayment: false,
      note:
        'A late fee of $20 or 20% of the monthly rent, whichever is greater, is deemed reasonable ' +
        '(a safe harbour, applied as the cap). When a fee may first be charged is not in the ' +
        'reference.',
    },
  ],
  notices: [
    {
      id: 'US-NV/residential/pay-or-quit-notice',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '7-day notice to pay rent or quit',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'NRS §40.2512 (summary eviction §40.253)',
      sources: NOTICE_SOURCES,
      status: 'secondary',
      unverifiedParts: SERVICE_PARTS,
      periodDays: 7,
      counting: 'judicial_days',
      holidays: 'US-NV',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period:
          'within seven (7) judicial days after service of this notice, excluding Saturdays, Sundays and legal holidays',
      },
      note:
        '7 judicial days (Saturdays, Sundays and legal holidays excluded) to pay or surrender, from ' +
        `the statute text; it may be served any time after rent is due. ${SERVICE_NOTE}`,
    },
    {
      id: 'US-NV/commercial/pay-or-quit-notice',
      appliesTo: ['commercial'],
      templates: ['pay-or-quit-notice'],
      title: '5-day notice to pay rent or quit',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'NRS §40.2512',
      sources: NOTICE_SOURCES,
      status: 'secondary',
      unverifiedParts: [
        ...SERVICE_PARTS,
        'day counting (judicial days are assumed, as for residential notices)',
      ],
      periodDays: 5,
      counting: 'judicial_days',
      holidays: 'US-NV',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period:
          'within five (5) judicial days after service of this notice, excluding Saturdays, Sundays and legal holidays',
      },
      note:
        'Commercial premises: 5 days. The reference does not say how they are counted: judicial ' +
        `days, as for residential notices, give the later deadline. ${SERVICE_NOTE}`,
    },
  ],
};
