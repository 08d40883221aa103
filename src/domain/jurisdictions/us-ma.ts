/**
 * Massachusetts. Built only from /reference/jurisdictions.md (sections 1, 2 and 5); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
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

const SERVICE_NOTE =
  'How the notice must be served, and whether its day counts, are not in the reference: it is ' +
  'not counted, staff serve it through a task and the mail methods are the copies the engine ' +
  'sends.';

export const US_MA: JurisdictionPack = {
  id: 'US-MA',
  name: 'Massachusetts',
  holidays: 'US-MA',
  lateFees: [
    {
      id: 'US-MA/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Mass. G.L. c.186 §15B(1)(c)',
      sources: [
        'https://www.masslegalhelp.org/es/node/145',
        'https://cityrulelookup.com/rental-property/late-fees/boston-ma',
      ],
      status: 'secondary',
      earliestDay: 30,
      cap: null,
      oncePerLatePayment: false,
      note:
        'No interest or penalty until the rent is 30 days overdue (statute text quoted by a ' +
        'secondary source); no amount cap is stated. Earlier fees are unenforceable and can support ' +
        'a c.93A claim.',
    },
  ],
  notices: [
    {
      id: 'US-MA/residential/notice-to-quit',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '14-day notice to quit for nonpayment',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Mass. G.L. c.186 §§11, 12',
      sources: [
        'https://malegislature.gov/Laws/GeneralLaws/PartII/TitleI/Chapter186/Section11',
        'https://evictionnotice.com/ma/massachusetts-10-14-day-notice-to-pay-or-quit-month-to-month-tenancy/',
      ],
      status: 'secondary',
      unverifiedParts: [
        'delivery methods (not in the reference)',
        'at-will tenancies: a 10-day cure right when no similar notice was given in the prior 12 months (secondary sources only)',
      ],
      periodDays: 14,
      counting: 'calendar',
      holidays: 'US-MA',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within fourteen (14) days after service of this notice',
      },
      note:
        'A 14-day written notice to quit for nonpayment, in calendar days (§11 text read; the ' +
        'at-will notice of §12 from secondary sources). Under a written lease the tenant can still ' +
        'cure by paying all rent due plus interest and costs on or before the answer date (§11). ' +
        `${SERVICE_NOTE}`,
    },
    {
      id: 'US-MA/commercial/notice-to-quit',
      appliesTo: ['commercial'],
      templates: ['pay-or-quit-notice'],
      title: '14-day notice to quit for nonpayment',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Mass. G.L. c.186 §11A',
      sources: ['https://malegislature.gov/Laws/GeneralLaws/PartII/TitleI/Chapter186/Section11A'],
      status: 'verified',
      unverifiedParts: ['delivery methods (not in the reference)'],
      periodDays: 14,
      counting: 'calendar',
      holidays: 'US-MA',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within fourteen (14) days after service of this notice',
      },
      note:
        "A non-dwelling lease without a lease termination clause: 14 days' notice, with a cure " +
        `right up to the answer date (§11A). ${SERVICE_NOTE}`,
    },
  ],
};
