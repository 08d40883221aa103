/**
 * Illinois. Built only from /reference/jurisdictions.md (sections 1, 2, 4 and 5); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 *
 * Not encoded: commercial nonpayment (not verified); the Chicago RLTO and other local
 * ordinances (not researched).
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

/** Shows the "$20 or 20%" storage figure misattributed to residential law. */
const MISATTRIBUTION_SOURCE =
  'https://legaltemplates.net/form/eviction-notice/illinois-il/5-day-notice-to-quit-non-payment';

const STORAGE_CITATION = '770 ILCS 95/4 (as amended by P.A. 104-0139)';
const STORAGE_SOURCES = [
  'http://ilga.gov/legislation/ilcs/fulltext.asp?DocName=077000950K4',
  'https://my.ilga.gov/ftp/Public%20Acts/104/104-0139.htm',
];

export const US_IL: JurisdictionPack = {
  id: 'US-IL',
  name: 'Illinois',
  holidays: 'US-IL',
  lateFees: [
    {
      id: 'US-IL/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'No statewide statute located (jurisdictions.md §2 and §5 item 5)',
      sources: [MISATTRIBUTION_SOURCE],
      status: 'unverified',
      earliestDay: 1,
      cap: null,
      oncePerLatePayment: false,
      note:
        'No statewide residential grace period or cap was located (the Chicago RLTO was not ' +
        'researched). The "$20 or 20%" figures circulating online come from the Self-Service ' +
        'Storage Facility Act, not residential law. Until counsel confirms, a late-fee stage needs ' +
        'approval in assisted and autopilot modes.',
    },
    {
      id: 'US-IL/storage/late-fee',
      appliesTo: ['storage'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: '770 ILCS 95/7.10 (attributed by a secondary source)',
      sources: [MISATTRIBUTION_SOURCE],
      status: 'unverified',
      earliestDay: 1,
      cap: {
        type: 'lesser_of',
        of: [
          { type: 'flat', cents: 2_000 },
          { type: 'percent', percent: 20, of: 'monthly_rent' },
        ],
      },
      oncePerLatePayment: false,
      note:
        'A "$20 or 20%" late-fee figure is attributed to 770 ILCS 95/7.10 by a secondary source ' +
        'only. The reference does not say whether the greater or the lesser governs, nor when a ' +
        'fee may first be charged: the lesser is used until counsel confirms the text.',
    },
  ],
  notices: [
    {
      id: 'US-IL/residential/pay-or-quit-notice',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '5-day landlord demand for rent',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: '735 ILCS 5/9-209',
      sources: ['https://evictionnotice.com/il/illinois-5-day-notice-to-pay-or-quit/'],
      status: 'secondary',
      unverifiedParts: ['delivery methods (not in the reference)'],
      periodDays: 5,
      counting: 'calendar',
      holidays: 'US-IL',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        period: 'within five (5) days after service of this demand',
      },
      note:
        'Written demand; the tenant gets not less than 5 days after service to pay (statute text ' +
        'excerpt also seen in the HB1209 enrolled text). Calendar days, the day of service not ' +
        'counted (secondary). The demand may be made any time after rent is due. How it must be ' +
        'served is not in the reference: staff serve it through a task, and the mail methods here ' +
        'are the copies the engine sends.',
    },
    {
      id: 'US-IL/storage/lien-notice',
      appliesTo: ['storage'],
      templates: ['pre-lien-notice', 'lien-notice'],
      title: 'Notice of lien and demand for payment',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'verified',
      periodDays: 14,
      counting: 'calendar',
      holidays: 'US-IL',
      serviceDayCounts: false,
      deliveryMethods: ['certified_mail', 'certified_mail_e_return_receipt', 'email'],
      note:
        'Once the claim has become due (no day count was read), delivered in person, or by ' +
        'verified mail or e-mail to the last known address; certified mail is used as verified ' +
        'mail and in-person delivery is a staff task. The notice demands payment within not less ' +
        'than 14 days after delivery (the deadline), and must state the sale date, time, place and ' +
        'manner and, for an online sale, the bidding website (P.A. 104-0139): the shipped ' +
        '`lien-notice` template does not have those fields, so a policy must supply its own. ' +
        'Illinois has one pre-sale notice in the reference, so this rule governs both the ' +
        '`pre-lien-notice` and `lien-notice` templates.',
    },
  ],
  sales: [
    {
      id: 'US-IL/storage/sale',
      appliesTo: ['storage'],
      title: 'Lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: '770 ILCS 95/4',
      sources: STORAGE_SOURCES,
      status: 'unverified',
      note:
        'Advertising and the earliest sale date were not verified: every sale needs approval, and ' +
        'counsel must confirm the schedule. The sale never comes before the demand period ends.',
    },
  ],
};
