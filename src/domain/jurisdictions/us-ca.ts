/**
 * California. Built only from /reference/jurisdictions.md (sections 1, 2 and 4); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 */
import type { DeliveryMethod } from '../portfolio/schema.js';
import type { FeeCap, JurisdictionPack } from './types.js';

/** The enactment date is not recorded in the reference: the rule is treated as always in force. */
const IN_FORCE_SINCE_UNRECORDED = '1970-01-01';

/** Every mail method in the catalogue (certified, with e-return receipt, first class, with certificate). */
const MAIL: DeliveryMethod[] = [
  'certified_mail',
  'certified_mail_e_return_receipt',
  'first_class',
  'first_class_certificate_of_mailing',
];

const STORAGE_CITATION = 'Cal. Bus. & Prof. Code §§21703, 21704, 21705, 21707, 21712';
const STORAGE_SOURCES = [
  'https://california.public.law/codes/ca_bus_and_prof_code_section_21704',
  'https://lawlink.com/research/codes/11/detail/8102/california-business-and-professions-code-section-21705',
  'http://www.lawserver.com/law/state/california/codes/california_business_professions_code_21707',
  'https://law.onecle.com/california/business/21712.html',
  'https://fastdemocracy.com/bill-summary/?billsummary_state=ca&billsummary_id=CAB00017086&billsummary_session=20192020',
];
const STORAGE_TEXT_CAVEAT =
  'Statute texts as stored may predate later amendments (e.g. AB 498 of 2025 on proof of e-mail notices — unverified).';

/**
 * Bus. & Prof. Code §21713.5: at most $10 when monthly rent ≤ $60, $15 when $60 < rent <
 * $100, and the greater of $20 or 15% of monthly rent when rent ≥ $100.
 */
const CA_STORAGE_LATE_FEE_CAP: FeeCap = {
  type: 'tiers',
  by: 'monthly_rent',
  tiers: [
    { atMost: 6_000, cap: { type: 'flat', cents: 1_000 } },
    { below: 10_000, cap: { type: 'flat', cents: 1_500 } },
    {
      cap: {
        type: 'greater_of',
        of: [
          { type: 'flat', cents: 2_000 },
          { type: 'percent', percent: 15, of: 'monthly_rent' },
        ],
      },
    },
  ],
};

export const US_CA: JurisdictionPack = {
  id: 'US-CA',
  name: 'California',
  holidays: 'US-CA',
  lateFees: [
    {
      id: 'US-CA/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation:
        'Cal. Civ. Code §§1671(c)-(d), 1951.5; Orozco v. Casimiro, 121 Cal.App.4th Supp. 7 (2004)',
      sources: [
        'https://californialitigation.blogspot.com/2014/02/late-charges-in-california-residential.html',
        'https://cetient.com/case/2259549/orozco-v-casimiro',
      ],
      status: 'secondary',
      earliestDay: 1,
      cap: null,
      oncePerLatePayment: false,
      note:
        'No statutory grace period and no numeric cap. A residential late fee is a liquidated-damages ' +
        'clause, valid only if actual damages would be impracticable or extremely difficult to fix ' +
        'and the fee is a reasonable estimate of them: reasonableness is for counsel, not the engine.',
    },
    {
      id: 'US-CA/storage/late-fee',
      appliesTo: ['storage'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Cal. Bus. & Prof. Code §21713.5',
      sources: ['https://self-law.org/code/ca/business-and-professions-code/21713-5'],
      status: 'verified',
      earliestDay: 10,
      cap: CA_STORAGE_LATE_FEE_CAP,
      oncePerLatePayment: true,
      note:
        'No late fee until the rent has remained unpaid at least 10 days after its due date; the fee ' +
        'must be stated in the rental agreement; one fee per late rental payment. Reasonable fee: at ' +
        'most $10 (monthly rent ≤ $60), $15 (rent > $60 and < $100), or the greater of $20 or 15% of ' +
        'the monthly rent (rent ≥ $100).',
    },
  ],
  notices: [
    {
      id: 'US-CA/residential/pay-or-quit-notice',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '3-day notice to pay rent or quit',
      effectiveFrom: '2019-09-01',
      citation: 'Cal. Code Civ. Proc. §1161(2); §§12, 12a (court-day counting since AB 2343)',
      sources: [
        'https://www.marinacciolaw.com/landlord-tenant/major-changes-to-three-day-notices-to-pay-rent-or-quit/',
        'https://attorneyforme.blogspot.com/2019/02/more-time-to-cure-three-day-notice-and.html',
        'https://blog.ceb.com/2016/10/31/how-to-compute-3-day-notice-period-for-eviction/',
      ],
      status: 'secondary',
      periodDays: 3,
      counting: 'court_days',
      holidays: 'US-CA',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period:
          'within three (3) days after service of this notice, excluding Saturdays, Sundays and judicial holidays',
      },
      note:
        'Since 1 Sep 2019 the 3 days exclude Saturdays, Sundays and judicial holidays; the day of ' +
        'service is not counted (CCP §12). Filing before the period expires is a complete defense. ' +
        'Personal and substituted service (and posting) are not delivery methods of the engine: staff ' +
        'perform them through a task and record the proof of service; the mail methods here are for ' +
        'the mailing that accompanies them. Counsel should confirm the service method (CCP §1162 is ' +
        'not in the reference). The US-CA calendar approximates judicial holidays with federal plus ' +
        'California public holidays. Commercial tenancies were not separately verified.',
    },
    {
      id: 'US-CA/storage/pre-lien-notice',
      appliesTo: ['storage'],
      templates: ['pre-lien-notice'],
      title: 'Preliminary lien notice',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'verified',
      earliestDay: 14,
      periodDays: 14,
      counting: 'calendar',
      holidays: 'US-CA',
      serviceDayCounts: false,
      deliveryMethods: [
        'certified_mail',
        'certified_mail_e_return_receipt',
        'first_class_certificate_of_mailing',
        'email',
      ],
      consentRequiredFor: ['email'],
      wording: {
        terminationDate:
          'The termination date stated in this notice is at least 14 days after the date of mailing.',
      },
      note:
        'May be sent once rent or other charges have been unpaid for 14 consecutive days. Send to ' +
        'the occupant and to the alternate address the rental agreement must request, by certified ' +
        'mail or first-class mail with a certificate of mailing; by e-mail only if the rental ' +
        'agreement provides for it and the occupant signed consent to e-mail notices. The deadline ' +
        'is the earliest termination date the notice may state (at least 14 days from mailing). If ' +
        'first-class mail (not certified) was used, goods may not be removed until at least 14 days ' +
        `after the termination date. ${STORAGE_TEXT_CAVEAT}`,
    },
    {
      id: 'US-CA/storage/lien-notice',
      appliesTo: ['storage'],
      templates: ['lien-notice'],
      title: 'Notice of lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'verified',
      periodDays: 14,
      counting: 'calendar',
      holidays: 'US-CA',
      serviceDayCounts: false,
      deliveryMethods: ['certified_mail', 'certified_mail_e_return_receipt'],
      wording: {
        saleDate:
          'The sale date stated in this notice is at least 14 days after the date of mailing.',
        opposition:
          'The occupant may return a declaration in opposition to the lien sale before the date stated in this notice.',
      },
      note:
        'Sent by certified mail after the termination date in the preliminary lien notice has ' +
        'passed. The deadline is the earliest sale date the notice may state (at least 14 days after ' +
        `mailing). ${STORAGE_TEXT_CAVEAT}`,
    },
    {
      id: 'US-CA/storage/auction-notice',
      appliesTo: ['storage'],
      templates: ['auction-notice'],
      title: 'Advertisement of lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'verified',
      periodDays: 10,
      counting: 'calendar',
      holidays: 'US-CA',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        advertising:
          'After the notice-of-sale period, advertise the sale once a week for two consecutive weeks ' +
          'in a newspaper of general circulation, or once in such a newspaper plus on an online ' +
          'auction site for 7 days before the sale; where there is no such newspaper, post notice ' +
          'in 6 conspicuous places at least 10 days before the sale.',
      },
      note:
        'Publication and posting are done through an `advertise` task; the statute does not require ' +
        'sending the advertisement to the occupant, so the mail methods here are for courtesy copies. ' +
        'periodDays 10 is the most conservative reading of the three advertising options (posting ' +
        '≥ 10 days before the sale; online ≥ 7 days; two weekly newspaper ads): the deadline, counted ' +
        `from the first publication or posting, is the earliest sale date. ${STORAGE_TEXT_CAVEAT}`,
    },
  ],
};
