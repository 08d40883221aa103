/**
 * Pennsylvania. Built only from /reference/jurisdictions.md (sections 1, 2 and 5); every rule
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

export const US_PA: JurisdictionPack = {
  id: 'US-PA',
  name: 'Pennsylvania',
  holidays: 'US-PA',
  lateFees: [
    {
      id: 'US-PA/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'No statute located (jurisdictions.md §2 and §5 item 5)',
      sources: [],
      status: 'unverified',
      earliestDay: 1,
      cap: null,
      oncePerLatePayment: false,
      note:
        'No statutory grace period or cap was located. That is not a confirmed "no cap": until ' +
        'counsel confirms Pennsylvania law, a late-fee stage needs approval in assisted and ' +
        'autopilot modes.',
    },
  ],
  notices: [
    {
      id: 'US-PA/residential/notice-to-quit',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '10-day notice to quit for nonpayment',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: '68 P.S. §250.501(b)',
      sources: [
        'https://evictionnotice.com/pa/pennsylvania-10-day-notice-to-pay-or-quit/',
        'https://www.ilrg.com/forms/notice-to-vacate-quit/us/pa',
      ],
      status: 'secondary',
      unverifiedParts: [
        'delivery methods (not in the reference)',
        'tenancies of more than one year: one secondary source claims 30 days (conflicting)',
      ],
      periodDays: 10,
      counting: 'calendar',
      holidays: 'US-PA',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within ten (10) days after service of this notice',
      },
      note:
        'A 10-day notice to quit for nonpayment, in calendar days (secondary); the lease may waive ' +
        'or alter it (secondary). One secondary source claims 30 days for tenancies over one year — ' +
        'it conflicts with the others and is unverified: counsel must confirm the period for long ' +
        'tenancies. How the notice must be served, and whether its day counts, are not in the ' +
        'reference: it is not counted, staff serve it through a task and the mail methods are the ' +
        'copies the engine sends.',
    },
  ],
};
