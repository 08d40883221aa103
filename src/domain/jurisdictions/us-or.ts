/**
 * Oregon. Built only from /reference/jurisdictions.md (sections 1, 2 and 5); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 *
 * HB 2001 (signed 29 Mar 2023, effective immediately) replaced the 72-hour / 144-hour notices
 * with a 10-day notice (served no earlier than the 8th day of the rental period, counting the
 * due date) or a 13-day notice (no earlier than the 5th day). The pack encodes the 10-day
 * notice; a policy that serves the 13-day notice from day 4 must be checked by counsel (one
 * rule per template and date). The pre-2023 notices and week-to-week tenancies (current period
 * unverified) are not encoded.
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

export const US_OR: JurisdictionPack = {
  id: 'US-OR',
  name: 'Oregon',
  holidays: 'US-OR',
  lateFees: [
    {
      id: 'US-OR/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'ORS 90.260',
      sources: [
        'http://print.casetext.com/statute/oregon-revised-statutes/title-10-property-rights-and-transactions/chapter-90-residential-landlord-and-tenant/content-of-agreements/section-90260-late-rent-payment-charge-or-fee-restrictions-calculation',
        'https://cityrulelookup.com/rental-property/late-fees/salem-or',
      ],
      status: 'verified',
      earliestDay: 4,
      cap: null,
      oncePerLatePayment: false,
      note:
        'Only if the rent is not received by the 4th day of the rental period, counting the due ' +
        'date as day 1 (so a fee from day 5 of the period, 4 days after the due date). One of: a ' +
        'reasonable flat fee once per period; a daily fee of at most 6% of that flat fee from day 5 ' +
        '(that period only); or 5% of the periodic rent per 5-day period from day 5. The flat fee ' +
        'has no numeric cap, so none is applied: choose the structure with counsel. The written ' +
        "agreement must state the fee's type, amount and due dates; 30 days' notice to change the " +
        'fee in a periodic tenancy; an unpaid late fee alone is not grounds for a nonpayment ' +
        'termination (secondary).',
    },
  ],
  notices: [
    {
      id: 'US-OR/residential/pay-or-quit-notice',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '10-day notice of termination for nonpayment of rent',
      effectiveFrom: '2023-03-29',
      citation: 'ORS 90.394 (as amended by HB 2001, 2023)',
      sources: [
        'https://eugenedailypost.com/governor-tina-kotek-signed-house-bill-2001-which-makes-key-changes-to-the-eviction-process/',
        'http://nwfamily.org/oregon-hb-2001--changes-to-eviction-process-for-nonpayment-cases.html',
        'https://www.oregonlaws.org/ors/90.394',
      ],
      status: 'secondary',
      unverifiedParts: [
        'delivery methods (not in the reference)',
        'the Oregon Judicial Department "where to get help" notice that must be attached (its text is not in the reference)',
      ],
      earliestDay: 7,
      periodDays: 10,
      counting: 'calendar',
      holidays: 'US-OR',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within ten (10) days after delivery of this notice',
      },
      note:
        'The 10-day notice, served no earlier than the 8th day of the rental period counting the ' +
        'due date (day 7 after it); the 13-day notice (from the 5th day) is not encoded. The ' +
        'Oregon Judicial Department "where to get help" notice must be attached; the tenant may ' +
        'cure up to the first court appearance; the landlord must reasonably cooperate with ' +
        'rental-assistance programs. How the notice must be served, and whether its day counts, ' +
        'are not in the reference: it is not counted, staff serve it through a task and the mail ' +
        'methods are the copies the engine sends.',
    },
  ],
};
