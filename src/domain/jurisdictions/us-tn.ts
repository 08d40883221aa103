/**
 * Tennessee. Built only from /reference/jurisdictions.md (sections 1 and 2); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 *
 * Not encoded: commercial nonpayment (not verified).
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

export const US_TN: JurisdictionPack = {
  id: 'US-TN',
  name: 'Tennessee',
  holidays: 'US-TN',
  lateFees: [
    {
      id: 'US-TN/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'T.C.A. §66-28-201(d)',
      sources: ['http://statutes.laws-info.com/tennessee/title-66/chapter-28/part-2/66-28-201'],
      status: 'verified',
      earliestDay: 6,
      cap: { type: 'percent', percent: 10, of: 'past_due_rent' },
      oncePerLatePayment: false,
      note:
        'A 5-day grace period; if the 5th day is a Saturday, Sunday or legal holiday, no fee is due ' +
        'when the rent is paid the next business day — so a fee on day 6 is too early in those ' +
        'months: give the fee stage room (day 10 covers a weekend next to a holiday). At most 10% ' +
        'of the rent past due. URLTA counties only; public-housing tenants: at most $5 a month ' +
        '(§66-28-201(e), not modelled).',
    },
  ],
  notices: [
    {
      id: 'US-TN/residential/notice-to-terminate',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '14-day notice for nonpayment of rent',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'T.C.A. §§66-28-505, 66-7-109, 66-28-201(c)',
      sources: [
        'https://codes.findlaw.com/tn/title-66-property/tn-code-sect-66-7-109/',
        'http://statutes.laws-info.com/tennessee/title-66/chapter-28/part-2/66-28-201',
        'https://www.ilrg.com/forms/notice-to-vacate-quit/us/tn',
      ],
      status: 'secondary',
      unverifiedParts: ['delivery methods (not in the reference)'],
      periodDays: 14,
      counting: 'calendar',
      holidays: 'US-TN',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within fourteen (14) days after service of this notice',
      },
      note:
        "14 days' notice; the tenancy does not end if the tenant remedies before the date in the " +
        'notice. Two tracks: URLTA counties (§66-28-505, secondary) and non-URLTA counties ' +
        '(§66-7-109, statute text). A written lease may waive the nonpayment notice ' +
        '(§66-28-201(c)). How the notice must be served, and whether its day counts, are not in ' +
        'the reference: it is not counted, staff serve it through a task and the mail methods are ' +
        'the copies the engine sends.',
    },
  ],
};
