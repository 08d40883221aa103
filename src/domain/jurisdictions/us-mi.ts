/**
 * Michigan. Built only from /reference/jurisdictions.md (sections 1, 2 and 5); every rule
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

export const US_MI: JurisdictionPack = {
  id: 'US-MI',
  name: 'Michigan',
  holidays: 'US-MI',
  lateFees: [
    {
      id: 'US-MI/residential/late-fee',
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
        'counsel confirms Michigan law, a late-fee stage needs approval in assisted and autopilot ' +
        'modes.',
    },
  ],
  notices: [
    {
      id: 'US-MI/residential/demand-for-possession',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '7-day demand for possession (nonpayment of rent)',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'MCL 600.5714(1)(a); MCL 554.134(2)',
      sources: [
        'https://www.courts.michigan.gov/49c025/siteassets/publications/benchbooks/lltbb/lltbbresponsivehtml5.zip/LLTBB/Ch_4_Summary_Eviction_Proceedings/Bases_for_the_Initiation_of_Summary_Proceedings-.htm',
        'http://www.nolo.com/legal-encyclopedia/evicting-tenant-nonpayment-rent-michigan.html',
      ],
      status: 'secondary',
      unverifiedParts: [
        'the form, content and service of the demand (MCL 600.5716, 600.5718 — not in the reference)',
      ],
      periodDays: 7,
      counting: 'calendar',
      holidays: 'US-MI',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within seven (7) days after service of this demand',
      },
      note:
        'A 7-day written demand for possession for nonpayment, in calendar days (court benchbook). ' +
        'The demand form, content and service rules (MCL 600.5716, 600.5718) cannot be waived in a ' +
        "residential lease and are not in the reference: use counsel's form as an inline template; " +
        'staff serve it through a task and the mail methods are the copies the engine sends. ' +
        'Whether the day of service counts is not stated: it is not counted.',
    },
  ],
};
