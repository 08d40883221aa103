/**
 * Georgia. Built only from /reference/jurisdictions.md (sections 1, 2, 4 and 5); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 *
 * Not encoded: commercial nonpayment (not verified); the self-storage amendments of 2024,
 * which the reference did not fully read.
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

const STORAGE_CITATION = 'O.C.G.A. §§10-4-210 to -215 (esp. §10-4-213)';
const STORAGE_SOURCES = [
  'https://consumered.georgia.gov/ask-ed/2010-12-08/storage-unit-belongings-be-sold-auction',
  'https://selfstoragelegal.com/2024/06/19/georgia-self-storage-act-amended/',
];
const STORAGE_CAVEAT =
  "Source: Georgia's consumer-protection office (updated 2018) and a secondary summary; the 2024 " +
  'amendments were not fully read.';

export const US_GA: JurisdictionPack = {
  id: 'US-GA',
  name: 'Georgia',
  holidays: 'US-GA',
  lateFees: [
    {
      id: 'US-GA/residential/late-fee',
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
        'counsel confirms Georgia law, a late-fee stage needs approval in assisted and autopilot ' +
        'modes.',
    },
  ],
  notices: [
    {
      id: 'US-GA/residential/pay-or-quit-notice',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '3-business-day notice to pay or vacate',
      effectiveFrom: '2024-07-01',
      citation: 'O.C.G.A. §44-7-50(a), (c) (HB 404, Safe at Home Act)',
      sources: [
        'https://law.justia.com/codes/georgia/title-44/chapter-7/article-3/section-44-7-50/',
        'https://cityrulelookup.com/rental-property/eviction-notice/atlanta-ga',
        'https://writemynotice.com/eviction-notice/georgia',
      ],
      status: 'secondary',
      periodDays: 3,
      counting: 'business_days',
      holidays: 'US-GA',
      serviceDayCounts: false,
      deliveryMethods: [...MAIL, 'email'],
      consentRequiredFor: ['email'],
      wording: {
        period: 'within three (3) business days after delivery of this notice',
      },
      note:
        'For leases entered or renewed on or after 1 Jul 2024: written notice giving at least 3 ' +
        'business days to pay all amounts owed or vacate, before filing. Older leases need only a ' +
        'demand for possession, with no statutory waiting period — the rule keys on the lease ' +
        'date, the engine on the notice date, so for an older lease the period is simply longer ' +
        'than required. Delivery (secondary): posted on the door in a sealed envelope (a staff ' +
        'task) plus any method the lease provides — mail or e-mail only when the lease says so. ' +
        'Whether the day of delivery counts is not stated: it is not counted. The tenant may still ' +
        'tender within 7 days after service of the dispossessory (§44-7-52).',
    },
    {
      id: 'US-GA/storage/lien-notice',
      appliesTo: ['storage'],
      templates: ['pre-lien-notice', 'lien-notice'],
      title: 'Notice of default and demand for payment',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'secondary',
      earliestDay: 30,
      periodDays: 14,
      counting: 'calendar',
      holidays: 'US-GA',
      serviceDayCounts: false,
      deliveryMethods: ['certified_mail', 'certified_mail_e_return_receipt', 'email'],
      note:
        'The lien may be enforced once the occupant has been in default continuously for 30 days. ' +
        'Delivered in person (a staff task), by verified mail (certified mail is used) or by ' +
        'e-mail; if an e-mail draws no non-automated reply or delivery receipt, the notice must ' +
        'then go by verified mail — send both, or watch the e-mail receipt. The notice demands ' +
        'payment within at least 14 days after delivery (the deadline). Georgia has one pre-sale ' +
        'notice in the reference, so this rule governs both the `pre-lien-notice` and ' +
        `\`lien-notice\` templates. ${STORAGE_CAVEAT}`,
    },
    {
      id: 'US-GA/storage/auction-notice',
      appliesTo: ['storage'],
      templates: ['auction-notice'],
      title: 'Advertisement of lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'secondary',
      periodDays: 15,
      counting: 'calendar',
      holidays: 'US-GA',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        advertising:
          'The public sale is advertised once a week for two consecutive weeks, and is held no sooner than 15 days after the first publication.',
      },
      note:
        'The advertisement runs for two weeks (once a week, two consecutive weeks — secondary); ' +
        'the sale may be held as soon as 15 days after the first publication: the deadline, ' +
        'counted from the first publication, is the earliest sale date. Publication is done ' +
        'through an `advertise` task; the mail methods are for courtesy copies to the occupant. ' +
        STORAGE_CAVEAT,
    },
  ],
  sales: [
    {
      id: 'US-GA/storage/sale',
      appliesTo: ['storage'],
      title: 'Lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'secondary',
      note: `Public sale as soon as 15 days after the first of two weekly advertisements. ${STORAGE_CAVEAT}`,
    },
  ],
};
