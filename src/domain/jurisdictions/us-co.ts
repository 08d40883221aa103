/**
 * Colorado. Built only from /reference/jurisdictions.md (sections 1 and 2); every rule carries
 * its citation, the sources read and how well it was verified. Not legal advice: counsel must
 * confirm every default before it ships.
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

const DEMAND_SOURCES = [
  'https://colorado.public.law/statutes/crs_13-40-104',
  'https://law.justia.com/codes/colorado/2021/title-13/article-40/section-13-40-104/',
  'https://colorado.public.law/statutes/crs_13-40-106',
];

const SERVICE_NOTE =
  'How the demand must be served, and whether its day counts, are not in the reference: it is ' +
  'not counted, staff serve it through a task and the mail methods are the copies the engine ' +
  'sends.';

export const US_CO: JurisdictionPack = {
  id: 'US-CO',
  name: 'Colorado',
  holidays: 'US-CO',
  lateFees: [
    {
      id: 'US-CO/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: '2021-10-01',
      citation: 'C.R.S. §38-12-105 (SB21-173)',
      sources: [
        'https://legalclarity.org/colorado-rental-laws-on-late-fees-what-landlords-can-charge',
        'https://www.rentgrace.com/blog/can-landlords-charge-late-fees',
        'https://folu.me/post/senfpban-d-dpbz/late-fees-in-colorado-leases',
      ],
      status: 'secondary',
      earliestDay: 7,
      cap: {
        type: 'greater_of',
        of: [
          { type: 'flat', cents: 5_000 },
          { type: 'percent', percent: 5, of: 'past_due_rent' },
        ],
      },
      oncePerLatePayment: false,
      note:
        'Only if the rent is 7 or more days late; at most the greater of $50 or 5% of the past-due ' +
        'rent. The fee must be in the lease; no interest or compounding on late fees; a tenant may ' +
        'not be evicted solely for unpaid late fees (secondary). Secondary sources cite the section ' +
        'variously as 38-12-105 or 38-12-102.',
    },
  ],
  notices: [
    {
      id: 'US-CO/residential/demand-for-rent',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '10-day demand for rent or possession',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'C.R.S. §13-40-104(1)(d); §13-40-106',
      sources: DEMAND_SOURCES,
      status: 'verified',
      unverifiedParts: ['delivery methods (not in the reference)'],
      periodDays: 10,
      counting: 'calendar',
      holidays: 'US-CO',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within ten (10) days after service of this demand',
        mediation:
          'Tenants who receive Supplemental Security Income (SSI), Social Security Disability Insurance (SSDI) or Colorado Works have a right to mediation before the landlord files an eviction.',
      },
      note:
        "10 days' written demand for rent or possession, in calendar days; it cannot be waived in " +
        'the lease. An "exempt residential agreement" (a single-family home of a landlord owning at ' +
        'most 5 such homes) needs only 5 days — the engine cannot tell, so it always gives 10, which ' +
        'satisfies both. The demand must state that tenants receiving SSI, SSDI or Colorado Works ' +
        'have a right to mediation before filing (§13-40-106; the `mediation` sentence paraphrases ' +
        `the reference, not the statute). ${SERVICE_NOTE}`,
    },
    {
      id: 'US-CO/commercial/demand-for-rent',
      appliesTo: ['commercial'],
      templates: ['pay-or-quit-notice'],
      title: '3-day demand for rent or possession',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'C.R.S. §13-40-104(1)(d)',
      sources: DEMAND_SOURCES,
      status: 'verified',
      unverifiedParts: ['delivery methods (not in the reference)'],
      periodDays: 3,
      counting: 'calendar',
      holidays: 'US-CO',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within three (3) days after service of this demand',
      },
      note: `Nonresidential (and employer-provided) premises: 3 days. ${SERVICE_NOTE}`,
    },
  ],
};
