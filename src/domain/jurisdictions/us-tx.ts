/**
 * Texas. Built only from /reference/jurisdictions.md (sections 1, 2 and 4); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 *
 * SB 38 (89th Leg., 2025) rewrote Prop. Code ch. 24 for suits filed on/after 1 Jan 2026 and
 * its enrolled text was not read, so the notice to vacate has two versions: the prior rule
 * (secondary) through 2025-12-31 and an `unverified` version from 2026-01-01, which makes
 * policy validation refuse autopilot for stages that serve it.
 */
import type { DeliveryMethod } from '../portfolio/schema.js';
import type { JurisdictionPack, NoticeRule } from './types.js';

/** The enactment date is not recorded in the reference: the rule is treated as always in force. */
const IN_FORCE_SINCE_UNRECORDED = '1970-01-01';

/** Regular (first-class), registered or certified mail. */
const MAIL: DeliveryMethod[] = [
  'first_class',
  'first_class_certificate_of_mailing',
  'certified_mail',
  'certified_mail_e_return_receipt',
];

const NOTICE_TO_VACATE_SOURCES = [
  'https://cityrulelookup.com/rental-property/eviction-notice/fate-tx',
  'https://fastdemocracy.com/bill-summary/?billsummary_id=TXB00080163&billsummary_session=89&billsummary_state=tx',
  'https://www.texasmha.com/news/s-b-38-extensive-eviction-law-reform-and-new-rules-for-court',
  'https://landlawkit.com/us/texas/guides/texas-3-day-notice-to-vacate',
];

const NOTICE_TO_VACATE_DELIVERY_NOTE =
  'Delivery: in person to the tenant or a resident aged 16 or older, affixed to the inside of the ' +
  'main entry door, or by regular, registered or certified mail; posting outside the door only in ' +
  'the limited cases of §24.005(f), (f-1). In-person delivery and affixing are done by staff ' +
  'through a task that records the proof of service; the mail methods here are the ones the engine ' +
  'sends. A written lease may set a different period. Whether the day of delivery counts was not ' +
  'verified: it is not counted (the later, safer deadline). §24.005 is not limited to residential ' +
  'tenants.';

const NOTICE_TO_VACATE_BASE = {
  appliesTo: ['residential', 'commercial'],
  templates: ['pay-or-quit-notice'],
  title: '3-day notice to vacate',
  sources: NOTICE_TO_VACATE_SOURCES,
  periodDays: 3,
  counting: 'calendar',
  holidays: 'US-TX',
  serviceDayCounts: false,
  deliveryMethods: MAIL,
} satisfies Partial<NoticeRule>;

const STORAGE_SOURCES = [
  'https://www.lawserver.com/law/state/texas/tx-codes/texas_property_code_59-043',
  'https://ai-lean.com/resources/state-guides/texas-lien-laws',
  'https://fastdemocracy.com/bill-summary/?billsummary_id=TXB00071923&billsummary_session=89&billsummary_state=tx',
];

export const US_TX: JurisdictionPack = {
  id: 'US-TX',
  name: 'Texas',
  holidays: 'US-TX',
  lateFees: [
    {
      id: 'US-TX/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Tex. Prop. Code §92.019 (as amended 2019, SB 1414); §92.0191',
      sources: [
        'http://www.weblaws.org/texas/laws/tex._prop._code_section_92.019_late_payment_of_rent;_fees',
        'https://capitol.texas.gov/tlodocs/86R/billtext/html/SB01414H.htm',
        'https://texas.public.law/statutes/tex._prop._code_section_92.0191',
      ],
      status: 'verified',
      earliestDay: 3,
      cap: {
        type: 'tiers',
        by: 'unit_count',
        tiers: [
          { atMost: 4, cap: { type: 'percent', percent: 12, of: 'monthly_rent' } },
          { cap: { type: 'percent', percent: 10, of: 'monthly_rent' } },
        ],
      },
      oncePerLatePayment: false,
      note:
        'A late fee only if some rent is still unpaid two full days after the due date (so from the ' +
        'third day after it). The fee must be in a written lease and be reasonable; safe harbour: at ' +
        "most 12% of the period's rent in a structure with ≤ 4 units, 10% with more (higher only up " +
        "to the landlord's uncertain damages — not modelled). An initial fee plus daily fees count " +
        'as one fee (the cap is cumulative per late rent). Without a unit count the 10% tier applies. ' +
        'Violations cost $100 + 3× the fee + attorney fees; lease waivers are void. The tenant may ask ' +
        'for a written late-fee statement (§92.0191). Commercial late fees: no rule in the reference.',
    },
  ],
  notices: [
    {
      ...NOTICE_TO_VACATE_BASE,
      id: 'US-TX/eviction/notice-to-vacate',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      effectiveTo: '2025-12-31',
      citation: 'Tex. Prop. Code §24.005',
      status: 'secondary',
      note: `At least 3 days' written notice to vacate before filing, in calendar days (secondary). ${NOTICE_TO_VACATE_DELIVERY_NOTE}`,
    },
    {
      ...NOTICE_TO_VACATE_BASE,
      id: 'US-TX/eviction/notice-to-vacate-sb38',
      effectiveFrom: '2026-01-01',
      citation: 'Tex. Prop. Code §24.005 as amended by SB 38 (89th Leg., 2025)',
      status: 'unverified',
      note:
        'SB 38 rewrote ch. 24 for suits filed on/after 1 Jan 2026, including notice content tied to ' +
        "the tenant's payment history; secondary sources say a first delinquency now needs a " +
        'pay-or-vacate option. The enrolled text was not read: the period, counting and delivery ' +
        'below are carried over from the prior rule and must be confirmed by counsel. Because SB 38 ' +
        'keys on the filing date, a notice served late in 2025 for a suit filed in 2026 may also be ' +
        `affected. ${NOTICE_TO_VACATE_DELIVERY_NOTE}`,
    },
    {
      id: 'US-TX/storage/lien-notice',
      appliesTo: ['storage'],
      templates: ['lien-notice', 'pre-lien-notice'],
      title: 'Notice of claim (self-storage lien)',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Tex. Prop. Code §59.043',
      sources: STORAGE_SOURCES,
      status: 'secondary',
      periodDays: 14,
      counting: 'calendar',
      holidays: 'US-TX',
      serviceDayCounts: false,
      deliveryMethods: ['email', 'certified_mail', 'certified_mail_e_return_receipt'],
      wording: {
        cure: 'If the claim is not satisfied on or before the 14th day after delivery of this notice, the property may be sold (or a vehicle towed).',
        military:
          'If you are a member of the military or a dependent of a military member, you must notify us of your military status.',
      },
      note:
        'Delivered in person, by e-mail, or by verified mail to the last known postal or e-mail ' +
        'address (§59.043(c), quoted by a secondary source): certified mail is used as verified ' +
        'mail; in-person delivery is done by staff through a task. Texas has one pre-sale notice, ' +
        'so it governs both the `lien-notice` and `pre-lien-notice` templates. The notice must say ' +
        'the property may be sold if the claim is not satisfied on or before the 14th day after ' +
        'delivery (the deadline), and must ask military tenants to disclose their status in bold ' +
        'or underlined text (the wording slots paraphrase the reference; the statutory wording was ' +
        'not read). The default that must precede the notice is not verified (no earliest day is ' +
        'set).',
    },
    {
      id: 'US-TX/storage/auction-notice',
      appliesTo: ['storage'],
      templates: ['auction-notice'],
      title: 'Notice of sale (advertisement)',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Tex. Prop. Code §59.044(b) (2017 text)',
      sources: STORAGE_SOURCES,
      status: 'unverified',
      periodDays: 7,
      counting: 'calendar',
      holidays: 'US-TX',
      serviceDayCounts: false,
      deliveryMethods: MAIL,
      wording: {
        advertising:
          'The notice of sale is published once in each of two consecutive weeks in a newspaper of ' +
          'general circulation in the county; if there is none, it is posted at the facility and in ' +
          'at least 5 other conspicuous places nearby.',
      },
      note:
        'Advertising per the 2017 text of §59.044(b); HB 1093 (2025) would allow other commercially ' +
        'reasonable or online methods — enactment unverified. The earliest sale date is NOT ' +
        'verified: periodDays 7 (the second weekly publication) is only a lower bound and must be ' +
        'set by counsel. Publication is done through an `advertise` task; the mail methods are for ' +
        'courtesy copies.',
    },
  ],
};
