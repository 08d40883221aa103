/**
 * Maryland. Built only from /reference/jurisdictions.md (sections 1 and 2); every rule carries
 * its citation, the sources read and how well it was verified. Not legal advice: counsel must
 * confirm every default before it ships.
 */
import type { JurisdictionPack, LateFeeRule } from './types.js';

/** The enactment date is not recorded in the reference: the rule is treated as always in force. */
const IN_FORCE_SINCE_UNRECORDED = '1970-01-01';

const LATE_FEE_BASE = {
  appliesTo: ['residential'],
  earliestDay: 1,
  oncePerLatePayment: false,
} satisfies Partial<LateFeeRule>;

const LATE_FEE_NOTE =
  'No statutory grace period. Weekly rent: at most $3 a week and $12 a month (weekly tenancies ' +
  'are not modelled). Lease terms above the cap are unenforceable; the tenant may recover ' +
  'damages and fees (§8-208(g)).';

export const US_MD: JurisdictionPack = {
  id: 'US-MD',
  name: 'Maryland',
  holidays: 'US-MD',
  lateFees: [
    {
      ...LATE_FEE_BASE,
      id: 'US-MD/residential/late-fee',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      effectiveTo: '2025-09-30',
      citation: 'Md. Code, Real Prop. §8-208(d)(3)',
      sources: [
        'https://www.nolo.com/legal-encyclopedia/maryland-late-fees-termination-nonpayment-rent-other-rent-rules.html',
      ],
      status: 'secondary',
      cap: { type: 'percent', percent: 5, of: 'monthly_rent' },
      note: `At most 5% of the rent due for the period. ${LATE_FEE_NOTE}`,
    },
    {
      ...LATE_FEE_BASE,
      id: 'US-MD/residential/late-fee-hb273',
      effectiveFrom: '2025-10-01',
      citation: 'Md. Code, Real Prop. §8-208(d)(3) as amended by HB 273 (2025)',
      sources: [
        'https://app.legiplex.com/md/legislature/2025/2025-r/bills/hb273/draft-1413267',
        'https://www.creditandcollectionnews.com/maryland-tenants-gain-new-protections-against-high-late-rent-penalties',
        'https://www.nolo.com/legal-encyclopedia/maryland-late-fees-termination-nonpayment-rent-other-rent-rules.html',
      ],
      status: 'secondary',
      cap: {
        type: 'lesser_of',
        of: [
          { type: 'percent', percent: 5, of: 'monthly_rent' },
          { type: 'percent', percent: 5, of: 'past_due_rent' },
        ],
      },
      note:
        'From 1 Oct 2025 (HB 273; bill text read, enactment from secondary sources) the 5% is of ' +
        "the unpaid rent for the period. The engine does not track one period's unpaid rent, so it " +
        'caps at the lesser of 5% of the monthly rent and 5% of the past-due rent — exact for a ' +
        'single unpaid month; with several months unpaid and a partial payment, counsel should ' +
        `check the fee. ${LATE_FEE_NOTE}`,
    },
  ],
  notices: [
    {
      id: 'US-MD/residential/notice-of-intent-to-file',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: 'Notice of intent to file a complaint for failure to pay rent',
      effectiveFrom: '2021-10-01',
      citation: 'Md. Code, Real Prop. §8-401(c)',
      sources: [
        'https://marylandevictionsonline.com/new-notice-of-intent-to-file-a-complaint/',
        'https://www.msba.org/u-s-district-court-issues-communication-regarding-new-legislation-affecting-failure-to-pay-rent-cases-in-landlord-tenant-actions/',
        'https://www.docdraft.ai/legal-guides/notice-to-vacate/maryland',
      ],
      status: 'secondary',
      unverifiedParts: ["the Judiciary's notice form (the shipped template is not that form)"],
      periodDays: 10,
      counting: 'calendar',
      holidays: 'US-MD',
      serviceDayCounts: false,
      deliveryMethods: ['first_class_certificate_of_mailing', 'email', 'sms_link', 'portal'],
      consentRequiredFor: ['email', 'sms_link', 'portal'],
      wording: {
        period: 'within ten (10) days after this notice is sent',
      },
      note:
        "A 10-day written notice of intent to file, on the Judiciary's form (since 1 Oct 2021). " +
        'The notice "occurs" when sent by first-class mail with a certificate of mailing, affixed ' +
        'to the door (a staff task), or — only if the tenant elected it — by e-mail, text message ' +
        'or tenant portal. The complaint must affirm the notice date. Use the Judiciary form as an ' +
        'inline template. Whether the day of sending counts is not stated: it is not counted.',
    },
  ],
};
