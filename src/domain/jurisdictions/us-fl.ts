/**
 * Florida. Built only from /reference/jurisdictions.md (sections 1, 2, 4 and 5); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 *
 * Not encoded: commercial nonpayment (Fla. Stat. §83.20 — unverified, no period in the
 * reference); the 2023–2024 self-storage bills (alternate contact, e-mail falling back to
 * mail) whose enactment is unverified; Florida storage late fees (not researched).
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

const STORAGE_CITATION = 'Fla. Stat. §§83.803, 83.806, 83.808';
const STORAGE_SOURCES = [
  'http://www.flsenate.gov/Session/Bill/2011/1772/BillText/Filed/HTML',
  'https://flsenate.gov/Session/Bill/2024/456/BillText/c1/HTML',
  'http://flsenate.gov/Session/Bill/2017/0264/BillText/Filed/HTML',
];

export const US_FL: JurisdictionPack = {
  id: 'US-FL',
  name: 'Florida',
  holidays: 'US-FL',
  lateFees: [
    {
      id: 'US-FL/residential/late-fee',
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
        'counsel confirms Florida law, a late-fee stage needs approval in assisted and autopilot ' +
        'modes. The engine applies no grace and no cap beyond the policy and the lease.',
    },
  ],
  notices: [
    {
      id: 'US-FL/residential/pay-or-quit-notice',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '3-day notice to pay rent or deliver possession',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Fla. Stat. §83.56(3)',
      sources: [
        'http://3dayevictionnotice.com/a-3-day-eviction-notice-is-defective-if-it-improperly-calculates-the-grace-period-for-the-tenant.html',
        'https://www.adoorpropertymanagement.com/post/calculating-legal-notices',
        'https://browardlandlord.wordpress.com/2013/07/18/mailing-rule/',
      ],
      status: 'secondary',
      unverifiedParts: [
        'delivery methods (the service rules are not in the reference)',
        'statutory wording of the notice (prescribed by §83.56(3), not in the reference)',
      ],
      periodDays: 3,
      counting: 'court_days',
      holidays: 'US-FL',
      serviceDayCounts: false,
      mailingExtensionDays: {
        certified_mail: 5,
        certified_mail_e_return_receipt: 5,
        first_class: 5,
        first_class_certificate_of_mailing: 5,
      },
      deliveryMethods: MAIL,
      wording: {
        period:
          'within three (3) days after delivery of this notice, excluding Saturdays, Sundays and legal holidays',
      },
      note:
        'Written 3-day demand for rent or possession. The 3 days exclude Saturday, Sunday and legal ' +
        'holidays, and only court-observed holidays count as holidays (the US-FL calendar ' +
        'approximates them). Secondary sources: the day of delivery is excluded, and 5 days are ' +
        'added when the notice is mailed (county-court case law). The statute prescribes the ' +
        "notice's wording, which the reference does not give: use counsel's text as an inline " +
        'template. Hand delivery or posting is done by staff through a task that records the proof ' +
        'of service; the mail methods here are the copies the engine sends.',
    },
    {
      id: 'US-FL/storage/lien-notice',
      appliesTo: ['storage'],
      templates: ['pre-lien-notice', 'lien-notice'],
      title: 'Notice of claim (self-storage lien)',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: STORAGE_CITATION,
      sources: STORAGE_SOURCES,
      status: 'secondary',
      unverifiedParts: [
        `cure window: the period is a ${PLACEHOLDER_CURE_DAYS}-day placeholder, not from any source`,
        'the default that must precede the notice',
      ],
      periodDays: PLACEHOLDER_CURE_DAYS,
      counting: 'calendar',
      holidays: 'US-FL',
      serviceDayCounts: false,
      deliveryMethods: ['email', 'first_class_certificate_of_mailing'],
      note:
        'Delivered in person, by e-mail, or by first-class mail with a certificate of mailing to the ' +
        'last known address, AND posted conspicuously at the facility or on the unit (methods in ' +
        'law since the 2011 amendments, secondary). In-person delivery and the posting are staff ' +
        'tasks. Florida has one pre-sale notice in the reference, so this rule governs both the ' +
        '`pre-lien-notice` and `lien-notice` templates. Neither the default that must precede the ' +
        'notice nor its cure window was verified: the period is a placeholder (the longest cure ' +
        'window the reference records for any state) that counsel must replace. 2023–2024 bills ' +
        'add an alternate contact and an e-mail-falls-back-to-mail rule — enactment unverified.',
    },
    {
      id: 'US-FL/storage/auction-notice',
      appliesTo: ['storage'],
      templates: ['auction-notice'],
      title: 'Advertisement of lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Fla. Stat. §83.806 (2017 text)',
      sources: STORAGE_SOURCES,
      status: 'unverified',
      periodDays: 7,
      counting: 'calendar',
      holidays: 'US-FL',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        advertising:
          'The sale is advertised once a week for two consecutive weeks in a newspaper of general circulation.',
      },
      note:
        'Per the 2017 statutory text: after the notice period, the sale is advertised once a week ' +
        'for two consecutive weeks in a newspaper of general circulation; later bills revised the ' +
        'publication options — the current text is unverified. periodDays 7 (the second weekly ' +
        'advertisement) is only a lower bound for the sale date, counted from the first ' +
        'publication. Publication is done through an `advertise` task; the mail methods are for ' +
        'courtesy copies to the occupant.',
    },
  ],
  sales: [
    {
      id: 'US-FL/storage/sale',
      appliesTo: ['storage'],
      title: 'Lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Fla. Stat. §83.806',
      sources: STORAGE_SOURCES,
      status: 'unverified',
      note:
        'The earliest sale date and the current advertising options were not verified: every sale ' +
        'needs approval, and counsel must confirm the schedule.',
    },
  ],
};
