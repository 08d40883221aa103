/**
 * North Carolina. Built only from /reference/jurisdictions.md (sections 1, 2, 4 and 5); every
 * rule carries its citation, the sources read and how well it was verified. Not legal advice:
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

/**
 * Placeholder for a period the reference could not verify: 30 days, the longest cure
 * window the reference records for any self-storage lien notice (N.Y. Lien Law §182(7)).
 * A longer period than the statute's only gives the occupant more time; counsel must set
 * the real one.
 */
const PLACEHOLDER_CURE_DAYS = 30;

const STORAGE_CITATION =
  'N.C. Gen. Stat. §§44A-40 to 44A-46 (esp. §44A-43, as amended by SL 2013-239)';
const STORAGE_SOURCES = [
  'http://laws9.com/statutes/north-carolina/Chapter_44A/GS_44A-43',
  'http://www.ncga.state.nc.us/Sessions/2013/Bills/House/HTML/H243v6.html',
  'http://www.insideselfstorage.com/news/2013/07/north-carolina-governor-signs-amended-selfstorage-lien-law-enabling-email-notifications.aspx',
];

export const US_NC: JurisdictionPack = {
  id: 'US-NC',
  name: 'North Carolina',
  holidays: 'US-NC',
  lateFees: [
    {
      id: 'US-NC/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'N.C. Gen. Stat. §42-46',
      sources: [
        'http://www.ncleg.net/EnactedLegislation/Statutes/HTML/BySection/Chapter_42/GS_42-46.html',
      ],
      status: 'verified',
      earliestDay: 5,
      cap: {
        type: 'greater_of',
        of: [
          { type: 'flat', cents: 1_500 },
          { type: 'percent', percent: 5, of: 'monthly_rent' },
        ],
      },
      oncePerLatePayment: true,
      note:
        'Only once the payment is 5 or more days late; monthly rent: at most the greater of $15 or ' +
        '5% of the monthly rent (weekly rent: the greater of $4 or 5% — weekly tenancies are not ' +
        'modelled). One fee per late payment; it may not be deducted from a later payment to put ' +
        'that one in default; no late fee for unpaid water or sewer. Separate capped ' +
        'complaint-filing and court-appearance fees exist (not modelled).',
    },
    {
      id: 'US-NC/storage/late-fee',
      appliesTo: ['storage'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'N.C. Gen. Stat. §66-306',
      sources: ['https://courtgpt.ai/laws/north_carolina/chapter-66/article-39/section-66-306'],
      status: 'secondary',
      earliestDay: 5,
      cap: {
        type: 'greater_of',
        of: [
          { type: 'flat', cents: 1_500 },
          { type: 'percent', percent: 15, of: 'monthly_rent' },
        ],
      },
      oncePerLatePayment: true,
      note:
        'A late fee of at most the greater of $15 or 15% of the rental payment, only once the ' +
        'payment is 5 or more days late, once per late payment.',
    },
  ],
  notices: [
    {
      id: 'US-NC/eviction/demand-for-rent',
      appliesTo: ['residential', 'commercial'],
      templates: ['pay-or-quit-notice'],
      title: 'Demand for past-due rent',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'N.C. Gen. Stat. §42-3',
      sources: ['https://civil.sog.unc.edu/g-s-42-3-the-landlords-life-preserver/'],
      status: 'verified',
      unverifiedParts: ['delivery methods (not in the reference)'],
      periodDays: 10,
      counting: 'calendar',
      holidays: 'US-NC',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within ten (10) days after this demand',
      },
      note:
        'A demand for all past-due rent; the lease is forfeited if the rent is still unpaid 10 days ' +
        'after the demand (implied by statute even if the lease is silent). Applies to leases of ' +
        'real property "of any kind" (statute quoted by the UNC School of Government). How the ' +
        'demand must be delivered, and whether its day counts, are not in the reference: it is ' +
        'not counted, staff deliver it through a task and the mail methods are the copies the ' +
        'engine sends.',
    },
    {
      id: 'US-NC/storage/lien-notice',
      appliesTo: ['storage'],
      templates: ['pre-lien-notice', 'lien-notice'],
      title: 'Notice of lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'verified',
      unverifiedParts: [
        `cure window: the period is a ${PLACEHOLDER_CURE_DAYS}-day placeholder, not from any source`,
      ],
      earliestDay: 15,
      periodDays: PLACEHOLDER_CURE_DAYS,
      counting: 'calendar',
      holidays: 'US-NC',
      serviceDayCounts: false,
      deliveryMethods: ['certified_mail', 'certified_mail_e_return_receipt', 'email'],
      consentRequiredFor: ['email'],
      note:
        'May start once rent or charges are unpaid 15 days after their due date. By certified mail, ' +
        'or by verified e-mail only where the occupant agreed to it in the rental agreement (SL ' +
        '2013-239). The cure window and the notice-to-sale interval were not verified: the period ' +
        'is a placeholder (the longest cure window the reference records for any state) that ' +
        'counsel must replace. North Carolina has one pre-sale notice in the reference, so this ' +
        'rule governs both the `pre-lien-notice` and `lien-notice` templates.',
    },
  ],
  sales: [
    {
      id: 'US-NC/storage/sale',
      appliesTo: ['storage'],
      title: 'Lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'secondary',
      unverifiedParts: ['the interval between the notice and the sale'],
      note:
        'Sold in any commercially reasonable manner; a sale is deemed commercially reasonable if at ' +
        'least 3 independent bidders attend; online auction sites are allowed (SL 2013-239). The ' +
        'interval between the notice and the sale was not verified.',
    },
  ],
};
