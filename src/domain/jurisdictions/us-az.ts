/**
 * Arizona. Built only from /reference/jurisdictions.md (sections 1, 2, 4 and 5); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 *
 * Self-storage (A.R.S. §33-1704) has two notices. The second one (`lien-notice`, by
 * first-class mail) carries the payment demand; the first one (`pre-lien-notice`, by verified
 * mail or e-mail) is modelled as the notice the second requires (`precededBy`), because the
 * reference gives its timing (default of more than 30 days; the second follows at least 7
 * days later) but no period of its own.
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

const STORAGE_CITATION = 'A.R.S. §33-1704';
const STORAGE_SOURCES = [
  'https://azleg.gov/viewdocument/viewDocument/?docName=https%3A%2F%2Fwww.azleg.gov%2Fars%2F33%2F01704.htm',
];

export const US_AZ: JurisdictionPack = {
  id: 'US-AZ',
  name: 'Arizona',
  holidays: 'US-AZ',
  lateFees: [
    {
      id: 'US-AZ/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'A.R.S. §33-1368(B)',
      sources: [
        'http://www.nolo.com/legal-encyclopedia/arizona-late-fees-termination-nonpayment-rent-other-rent-rules.html',
        'https://cityrulelookup.com/rental-property/late-fees/gilbert-az',
      ],
      status: 'secondary',
      earliestDay: 1,
      cap: null,
      oncePerLatePayment: false,
      note:
        'No statutory grace period and no numeric cap: the fee must be reasonable and set out in a ' +
        'written rental agreement. Reasonableness is for counsel, not the engine.',
    },
  ],
  notices: [
    {
      id: 'US-AZ/residential/pay-or-quit-notice',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '5-day notice to pay or vacate',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'A.R.S. §33-1368(B)',
      sources: [
        'http://www.nolo.com/legal-encyclopedia/eviction-notices-nonpayment-rent-arizona.html',
        'https://www.ilrg.com/forms/notice-to-vacate-quit/us/az',
      ],
      status: 'secondary',
      unverifiedParts: [
        'delivery methods (not in the reference)',
        'A.R.S. §33-1313: mailed notices deemed received some days after mailing — no extension is applied',
      ],
      periodDays: 5,
      counting: 'calendar',
      holidays: 'US-AZ',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within five (5) days after delivery of this notice',
      },
      note:
        "5 days' written notice to pay or vacate, in calendar days with weekends and holidays " +
        'included (secondary); it may be given the day after rent is late. A rule that mailed ' +
        'notices are deemed received some days after mailing (A.R.S. §33-1313) was not verified, ' +
        'so no mailing extension is applied: counsel must confirm before a mailed notice is relied ' +
        'on. Staff deliver the notice through a task; the mail methods are the copies the engine ' +
        'sends.',
    },
    {
      id: 'US-AZ/storage/lien-notice',
      appliesTo: ['storage'],
      templates: ['lien-notice'],
      title: 'Second notice: demand for payment',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'verified',
      earliestDay: 38,
      periodDays: 14,
      counting: 'calendar',
      holidays: 'US-AZ',
      serviceDayCounts: false,
      deliveryMethods: ['first_class', 'first_class_certificate_of_mailing'],
      precededBy: [
        {
          template: 'pre-lien-notice',
          title: 'first notice of default (by verified mail or e-mail)',
          citation: STORAGE_CITATION,
          sentBy: ['certified_mail', 'certified_mail_e_return_receipt', 'email'],
          earliestDay: 31,
          minDaysBefore: 7,
        },
      ],
      note:
        'Once the occupant has been in default more than 30 days, a first notice goes by verified ' +
        'mail (certified mail is used) or e-mail; this second notice follows by first-class mail ' +
        'at least 7 days after the first (so no earlier than day 38), and demands payment within ' +
        'not less than 14 days after its mailing (the deadline) — 30 days more when the address is ' +
        'outside the continental United States (not modelled: such leases need a manual ' +
        'schedule).',
    },
  ],
  sales: [
    {
      id: 'US-AZ/storage/sale',
      appliesTo: ['storage'],
      title: 'Lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'unverified',
      note:
        'The sale comes after the payment deadline of the second notice; its exact minimum date and ' +
        'the advertising rules were not verified: every sale needs approval.',
    },
  ],
};
