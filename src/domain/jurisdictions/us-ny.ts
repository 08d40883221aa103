/**
 * New York. Built only from /reference/jurisdictions.md (sections 1, 2, 4 and 5); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 *
 * The RPL §235-e(d) non-receipt notice is modelled as a notice the rent demand requires
 * (`precededBy`): a policy that serves the 14-day demand must first send a past-due notice by
 * certified mail once rent is more than 5 days late.
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
const CERTIFIED: DeliveryMethod[] = ['certified_mail', 'certified_mail_e_return_receipt'];

const DEMAND_SOURCES = [
  'http://www.lawpipe.com/new-york/NY_RPAPL_711(2).html',
  'https://tenantwiki.com/documents/37934',
  'https://gdblaw.com/index.php/Reminders-Versus-Demands',
  'https://www.rissoft.com/single-post/changes-to-ny-rent-laws-require-written-notice-of-late-payments',
];

const SERVICE_NOTE =
  'It must be served as RPAPL §735 prescribes (personal, substituted or conspicuous-place ' +
  'service): staff serve it through a task that records the proof of service, and the mail ' +
  'methods here are the copies the engine sends — which mailings §735 requires is not in the ' +
  'reference. Whether the day of service counts is not stated: it is not counted (the later, ' +
  'safer deadline).';

const DEMAND_BASE = {
  templates: ['pay-or-quit-notice'],
  title: '14-day rent demand',
  effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
  periodDays: 14,
  counting: 'calendar',
  holidays: 'US-NY',
  serviceDayCounts: false,
  deliveryMethods: MAIL,
  wording: {
    period: 'within fourteen (14) days after service of this demand',
  },
} satisfies Partial<NoticeRule>;

const STORAGE_SOURCES = [
  'https://www.nysenate.gov/legislation/bills/2025/A8060',
  'https://newyork.public.law/laws/n.y._lien_law_section_182',
  'https://assembly.state.ny.us/leg/?Text=Y&bn=A4353&term=2025',
];

export const US_NY: JurisdictionPack = {
  id: 'US-NY',
  name: 'New York',
  holidays: 'US-NY',
  lateFees: [
    {
      id: 'US-NY/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'N.Y. Real Prop. Law §238-a(2)',
      sources: ['https://legalservicesli.org/?p=1414'],
      status: 'verified',
      earliestDay: 6,
      cap: {
        type: 'lesser_of',
        of: [
          { type: 'flat', cents: 5_000 },
          { type: 'percent', percent: 5, of: 'monthly_rent' },
        ],
      },
      oncePerLatePayment: false,
      note:
        'A late fee only if rent is unpaid more than 5 days after its due date (so from day 6), ' +
        'at most the lesser of $50 or 5% of the monthly rent (statute text quoted by legal aid). ' +
        'Late fees cannot be recovered in the summary proceeding itself. One secondary source says ' +
        'the cap applies only to rent-stabilized units; that conflicts with the quoted text, so it ' +
        'is applied to every residential dwelling unless counsel says otherwise.',
    },
  ],
  notices: [
    {
      ...DEMAND_BASE,
      id: 'US-NY/residential/rent-demand',
      appliesTo: ['residential'],
      citation: 'N.Y. RPAPL §§711(2), 735; RPL §§235-e(d), 231-c',
      sources: DEMAND_SOURCES,
      status: 'secondary',
      unverifiedParts: [
        'the RPL §231-c Good Cause Eviction notice that must be appended (its text is not in the reference)',
        'which mailings RPAPL §735 service requires',
      ],
      precededBy: [
        {
          template: 'past-due-notice',
          title: 'written notice of non-receipt of rent (RPL §235-e(d))',
          citation: 'N.Y. Real Prop. Law §235-e(d)',
          sentBy: CERTIFIED,
          earliestDay: 6,
        },
      ],
      note:
        'Written rent demand giving at least 14 days to pay or surrender possession (3 days before ' +
        'the 2019 HSTPA); the 14 days are from the RPAPL §711(2) text. It must append or contain ' +
        'the RPL §231-c notice (Good Cause Eviction status). Before it, if rent is not received ' +
        'within 5 days of the due date, the landlord must send a written notice of non-receipt by ' +
        'certified mail (RPL §235-e(d)); failing to do so can be raised as an affirmative defense. ' +
        'The reference gives "day 5+" for that notice; day 6 (rent more than 5 days late) is used. ' +
        SERVICE_NOTE,
    },
    {
      ...DEMAND_BASE,
      id: 'US-NY/commercial/rent-demand',
      appliesTo: ['commercial'],
      citation: 'N.Y. RPAPL §§711(2), 735',
      sources: [
        'http://www.lawpipe.com/new-york/NY_RPAPL_711(2).html',
        'https://advance.lexis.com/open/document/openwebdocview/Rent-Demand-Commercial-Eviction-NY-/?pdcomponentid=500752&pddocfullpath=%2Fshared%2Fdocument%2Fforms%2Furn%3AcontentItem%3A67N0-VDD1-JC0G-60N6-00000-00&pdmfid=1000522',
      ],
      status: 'verified',
      unverifiedParts: ['which mailings RPAPL §735 service requires'],
      note: `RPAPL §711(2) also governs commercial nonpayment: a 14-day written rent demand. ${SERVICE_NOTE}`,
    },
    {
      id: 'US-NY/storage/lien-notice',
      appliesTo: ['storage'],
      templates: ['pre-lien-notice', 'lien-notice'],
      title: 'Notice of lien and demand for payment',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'N.Y. Lien Law §182(7)',
      sources: STORAGE_SOURCES,
      status: 'secondary',
      unverifiedParts: ['the default that must precede the notice'],
      periodDays: 30,
      counting: 'calendar',
      holidays: 'US-NY',
      serviceDayCounts: false,
      deliveryMethods: [...CERTIFIED, 'email'],
      onlyWith: { email: CERTIFIED },
      wording: {
        dispute:
          'Within 10 days after service of this notice you may bring a court proceeding to dispute the lien.',
      },
      note:
        'Delivered personally, by registered or certified mail to the last known address, or by ' +
        'verified mail plus e-mail to the last known addresses: e-mail only together with certified ' +
        '(verified) mail; personal delivery is a staff task; registered mail is not an engine ' +
        'method. The notice demands payment within not less than 30 days from mailing (2019 ' +
        'amendment, ch. 424), which is the deadline; the occupant may bring a proceeding within 10 ' +
        'days of service to dispute the lien (the `dispute` sentence paraphrases the reference, ' +
        'not the statute). New York has one pre-sale notice in the reference, so this rule governs ' +
        'both the `pre-lien-notice` and `lien-notice` templates. Pending bills: A8060 amends the ' +
        'section; A4353 (2025) proposes 60 days.',
    },
  ],
  sales: [
    {
      id: 'US-NY/storage/sale',
      appliesTo: ['storage'],
      title: 'Lien sale',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'N.Y. Lien Law §182',
      sources: STORAGE_SOURCES,
      status: 'unverified',
      note:
        'Advertising and the earliest sale date were not verified: every sale needs approval, and ' +
        'counsel must confirm the schedule. The sale never comes before the 30-day demand period ' +
        'ends.',
    },
  ],
};
