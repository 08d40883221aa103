/**
 * Virginia. Built only from /reference/jurisdictions.md (sections 1, 2 and 5); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 *
 * The pay-or-quit notice has two versions: the current 5-day notice (secondary) through
 * 2026-06-30, and the 14-day notice that HB 15 / SB 48 (2026 session) reportedly enact from
 * 2026-07-01 — one secondary source only, so that version is `unverified`. Policy validation
 * checks both (a policy keeps running), so a shipped workflow waits the longer period and a
 * notice stage is kept out of autopilot until counsel confirms the change. The temporary
 * 14-day period of 2020–2022 is not encoded (its dates are not in the reference).
 */
import type { DeliveryMethod } from '../portfolio/schema.js';
import type { JurisdictionPack, NoticeRule } from './types.js';

/** The enactment date is not recorded in the reference: the rule is treated as always in force. */
const IN_FORCE_SINCE_UNRECORDED = '1970-01-01';

const MAIL: DeliveryMethod[] = [
  'certified_mail',
  'certified_mail_e_return_receipt',
  'first_class',
  'first_class_certificate_of_mailing',
];

const NOTICE_SOURCES = [
  'https://writemynotice.com/eviction-notice/virginia',
  'https://www.recordinglaw.com/news/virginia-14-day-eviction-notice-hb-15/',
  'https://esign.com/eviction-notice/va/non-payment/',
  'https://fastdemocracy.com/bill-summary/?billsummary_id=VAB00027596&billsummary_session=2024&billsummary_state=va',
];

const SERVICE_NOTE =
  'How the notice must be served, and whether its day counts, are not in the reference: it is ' +
  'not counted, staff serve it through a task and the mail methods are the copies the engine ' +
  'sends.';

const NOTICE_BASE = {
  appliesTo: ['residential'],
  templates: ['pay-or-quit-notice'],
  sources: NOTICE_SOURCES,
  counting: 'calendar',
  holidays: 'US-VA',
  serviceDayCounts: false,
  deliveryMethods: MAIL,
} satisfies Partial<NoticeRule>;

export const US_VA: JurisdictionPack = {
  id: 'US-VA',
  name: 'Virginia',
  holidays: 'US-VA',
  lateFees: [
    {
      id: 'US-VA/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Va. Code §55.1-1204',
      sources: [
        'https://cityrulelookup.com/rental-property/late-fees/richmond-va',
        'https://observed.org/late-rent-fees-in-virginia/',
      ],
      status: 'secondary',
      earliestDay: 1,
      cap: {
        type: 'lesser_of',
        of: [
          { type: 'percent', percent: 10, of: 'monthly_rent' },
          { type: 'percent', percent: 10, of: 'past_due_rent' },
        ],
      },
      oncePerLatePayment: false,
      note:
        'At most the lesser of 10% of the periodic rent or 10% of the remaining unpaid balance ' +
        '(the engine uses the past-due rent as that balance), and only if the written rental ' +
        'agreement provides for it. No general statutory grace when a written lease sets the due ' +
        'date; under the default terms (no written lease) rent is due on the 1st and late if unpaid ' +
        'by the 5th.',
    },
  ],
  notices: [
    {
      ...NOTICE_BASE,
      id: 'US-VA/residential/pay-or-quit-notice',
      title: '5-day notice to pay rent or quit',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      effectiveTo: '2026-06-30',
      citation: 'Va. Code §55.1-1245(F)',
      status: 'secondary',
      unverifiedParts: ['delivery methods (not in the reference)'],
      periodDays: 5,
      wording: { period: 'within five (5) days after service of this notice' },
      note: `The current default: a 5-day written pay-or-quit notice, in calendar days. ${SERVICE_NOTE}`,
    },
    {
      ...NOTICE_BASE,
      id: 'US-VA/residential/pay-or-quit-notice-hb15',
      title: '14-day notice to pay rent or quit',
      effectiveFrom: '2026-07-01',
      citation: 'Va. Code §55.1-1245(F) as amended by HB 15 / SB 48 (2026 session)',
      status: 'unverified',
      periodDays: 14,
      wording: { period: 'within fourteen (14) days after service of this notice' },
      note:
        'Reported change: HB 15 / SB 48 (2026 session) extend the period to 14 days from 1 Jul 2026 ' +
        '— a single secondary source; check it on the Virginia LIS. A 2024 bill (HB 598) to move ' +
        `to 14 days passed both chambers; its fate was not verified. ${SERVICE_NOTE}`,
    },
  ],
};
