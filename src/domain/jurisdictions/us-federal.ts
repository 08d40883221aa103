/**
 * The US federal overlay. Federal law sets no late-fee caps or state-style notice periods for
 * private landlords, so the pack itself is empty; what applies everywhere (collection contact
 * hours and call frequency, TCPA calling hours, consent and revocation, CAN-SPAM opt-outs,
 * SCRA, the bankruptcy stay, the CARES Act and HUD 30-day notices) is data in
 * `FEDERAL_OVERLAY`, each with its citation, sources and status, built only from
 * /reference/jurisdictions.md section 3. Not legal advice.
 *
 * Not encoded (the format has no place for it, or the reference no fact): state-level
 * call/text time-of-day rules (not researched); the Reg F conversation-based second
 * presumption (text not read); the SCRA rent ceiling for 2026 (not published in the
 * reference).
 */
import type { LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import type { JurisdictionPack, RuleMeta, RuleStatus } from './types.js';

/** The enactment date is not recorded in the reference: the rule is treated as always in force. */
const IN_FORCE_SINCE_UNRECORDED = '1970-01-01';

export interface OverlayRule extends RuleMeta {
  /** Who or what the rule binds, for people ("debt collectors only"). */
  scope: string;
}

export interface ContactHoursRule extends OverlayRule {
  /** Local time `HH:MM` at the consumer's location; contacts from this instant on. */
  start: string;
  /** Local time `HH:MM`, exclusive: no contact at or after it. */
  end: string;
}

export interface CallFrequencyRule extends OverlayRule {
  channel: 'voice';
  /** Calls per person per debt allowed within `perDays` consecutive days. */
  max: number;
  perDays: number;
}

export interface ScraRentCeiling {
  year: number;
  cents: Cents;
  status: RuleStatus;
  /** Where the figure was read; absent when the reference does not say which source. */
  source?: string;
}

export interface ScraEvictionRule extends OverlayRule {
  /** Hold type the engine places while it applies. */
  holdType: 'military';
  /** Stay the court must grant on request, unless justice requires otherwise. */
  stayDays: number;
  /** Monthly rent at or below which the protection applies, published yearly by DoD. */
  rentCeilings: ScraRentCeiling[];
}

export interface ScraStorageLienRule extends OverlayRule {
  holdType: 'military';
  /** No lien enforcement during service and this many days after it, without a court order. */
  daysAfterService: number;
}

export interface BankruptcyStayRule extends OverlayRule {
  holdType: 'bankruptcy';
}

export interface FederalNoticeRule extends OverlayRule {
  /** Days of written notice before requiring the tenant to vacate / before filing. */
  noticeDays: number;
}

export interface ConsentRule extends OverlayRule {
  /** Channels the consent is needed for (autodialed / prerecorded calls, robotexts). */
  channels: ('voice' | 'sms')[];
  /** Consent for informational calls and texts (rent reminders). */
  consent: 'prior_express';
  /** Consent when the call or text is marketing. */
  marketingConsent: 'prior_express_written';
}

export interface RevocationRule extends OverlayRule {
  channels: ('voice' | 'sms')[];
  /** Replies that revoke consent per se (any reasonable method also revokes). */
  keywords: string[];
  /** Revocations and company do-not-call requests are honoured within these business days. */
  honorWithinBusinessDays: number;
  /** One confirmation text (no marketing) is allowed after a revocation. */
  confirmationTexts: number;
  /** Until this date the "revoke-all" part of §64.1200(a)(10) is waived. */
  revokeAllWaivedUntil: LocalDate;
}

export interface OptOutRule extends OverlayRule {
  channel: 'email';
  /** Opt-outs honoured within this many business days. */
  honorWithinBusinessDays: number;
  /** Applies to commercial messages only (not transactional or relationship messages). */
  commercialOnly: boolean;
}

export interface FederalOverlay {
  contactHours: ContactHoursRule;
  callFrequency: CallFrequencyRule;
  tcpaCallingHours: ContactHoursRule;
  tcpaConsent: ConsentRule;
  tcpaRevocation: RevocationRule;
  canSpamOptOut: OptOutRule;
  scraEviction: ScraEvictionRule;
  scraStorageLien: ScraStorageLienRule;
  bankruptcyStay: BankruptcyStayRule;
  caresActNotice: FederalNoticeRule;
  hudNonpaymentNotice: FederalNoticeRule;
}

export const FEDERAL_OVERLAY: FederalOverlay = {
  contactHours: {
    id: 'US/collections/contact-hours',
    effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
    citation: '15 U.S.C. §1692c(a)(1); 12 CFR §1006.6(b)(1)',
    sources: [
      'http://murthalawgroup.com/time-day-can-debt-collector-call/',
      'https://www.mondaq.com/unitedstates/consumer-law/1009288/the-cfpb39s-final-collections-rule-inconvenient-time-and-place-restrictions',
      'https://support.smslp.com/kb/a3051/fdcpa-unusual-inconvenient-faq-1-does-debt-collection-rule-limit-where-when-debt.aspx',
    ],
    status: 'secondary',
    scope:
      'Debt collectors only (a landlord collecting its own rent in its own name generally is not one)',
    start: '08:00',
    end: '21:00',
    note:
      'Absent knowledge to the contrary, convenient hours are after 8:00 a.m. and before 9:00 p.m. ' +
      "local time at the consumer's location; Reg F applies this to calls, texts, e-mails and " +
      'other media. No communication at a time or place known to be inconvenient (e.g. the consumer ' +
      'says so). TCPA calling hours (47 CFR §64.1200(c)(1)) cover telephone solicitations only.',
  },
  callFrequency: {
    id: 'US/collections/call-frequency',
    effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
    citation: '12 CFR §1006.14(b)(2)',
    sources: [
      'https://www.seiright.com/blog/regulation-f-ai-voice-debt-collection-7-in-7-limited-content',
      'https://insidearm.com/news/00048424-cfpb-releases-reg-f-guidance/',
      'https://www.acainternational.org/news/reg-f-question-of-the-week-are-certain-calls-excluded-from-the-presumptions-of-telephone-call-frequency/',
    ],
    status: 'secondary',
    scope: 'Debt collectors only',
    channel: 'voice',
    max: 7,
    perDays: 7,
    note:
      'Rebuttable presumption of harassment above 7 telephone calls about a particular debt within ' +
      '7 consecutive days, per person per debt; consumer-initiated calls do not count and calls ' +
      'with direct prior consent (valid up to 7 days) are excluded. A second presumption (calls ' +
      'within 7 days after a telephone conversation) exists; its exact text was not read (U).',
  },
  tcpaCallingHours: {
    id: 'US/tcpa/calling-hours',
    effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
    citation: '47 CFR §64.1200(c)(1), (f)(15)',
    sources: [
      'https://www.ecfr.gov/current/title-47/chapter-I/subchapter-B/part-64/subpart-L/section-64.1200',
      'https://www.nwdebtresolution.com/post/telephone-consumer-protection-act-call-time-restrictions',
    ],
    status: 'secondary',
    scope:
      'Telephone solicitations (marketing) to residential subscribers; not rent-collection calls',
    start: '08:00',
    end: '21:00',
    note:
      "No telephone solicitation before 8:00 a.m. or after 9:00 p.m. local time at the called party's " +
      'location (rule text quoted by secondary sources). The definition excludes calls with prior ' +
      'express invitation or permission and calls to someone with an established business ' +
      'relationship; rent-collection calls are not solicitations, so for collection outreach the ' +
      'operative window is the FDCPA one (`contactHours`) plus any state rule (not researched).',
  },
  tcpaConsent: {
    id: 'US/tcpa/consent',
    effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
    citation: '47 CFR §64.1200(a)(1)(iii), (a)(2)',
    sources: [
      'http://edocket.access.gpo.gov/cfr_2008/octqtr/47cfr64.1200.htm',
      'https://www.rothjackson.com/blog/2024/11/the-fcc-announces-effective-date-for-new-consent-revocation-rules/',
    ],
    status: 'secondary',
    scope: 'Automated rent reminders by call or SMS to mobile numbers',
    channels: ['voice', 'sms'],
    consent: 'prior_express',
    marketingConsent: 'prior_express_written',
    note:
      'Non-emergency calls using an autodialer or an artificial or prerecorded voice to a wireless ' +
      "number need the called party's prior express consent — prior express written consent when " +
      'the call is marketing (older CFR text read; current text secondary). The engine records ' +
      'consent per contact and channel (`consent.sms`, `consent.voice`) and skips messages without ' +
      'it (R10).',
  },
  tcpaRevocation: {
    id: 'US/tcpa/consent-revocation',
    effectiveFrom: '2025-04-11',
    citation:
      'FCC 24-24 (CG Docket 02-278); 89 FR 15756 (5 Mar 2024); 47 CFR §64.1200(a)(10), (a)(11), (a)(12), (d)(3)',
    sources: [
      'https://www.govinfo.gov/content/pkg/FR-2024-03-05/html/2024-04587.htm',
      'https://lexbuild.dev/fr/2024/10/2024-23605',
      'https://www.consumerfinancialserviceslawmonitor.com/2025/04/fcc-grants-limited-one-year-extension-for-tcpa-robocall-revocation-rule-compliance/',
      'https://www.consumerfinancialserviceslawmonitor.com/?p=30918',
      'https://www.gmlaw.com/news/fcc-extends-waiver-on-revocation-of-consent-rules-delaying-broad-applicability-until-2027-2',
    ],
    status: 'verified',
    scope: 'All calls and texts that need TCPA consent, informational and marketing',
    channels: ['voice', 'sms'],
    keywords: ['STOP', 'QUIT', 'END', 'REVOKE', 'OPT OUT', 'CANCEL', 'UNSUBSCRIBE'],
    honorWithinBusinessDays: 10,
    confirmationTexts: 1,
    revokeAllWaivedUntil: '2027-01-31',
    note:
      'Consent may be revoked by any reasonable method; callers may not dictate an exclusive ' +
      'opt-out channel. Per se reasonable: an automated voice or key-press opt-out on a call, a ' +
      'reply of STOP, QUIT, END, REVOKE, OPT OUT, CANCEL or UNSUBSCRIBE to a text, or the website or ' +
      'number the caller designates; other wording creates a rebuttable presumption of revocation. ' +
      'Revocations and company-specific do-not-call requests are honoured within a reasonable time ' +
      'not exceeding 10 business days; one confirmation text (no marketing) is allowed (§(a)(12), ' +
      'in force since 4 Apr 2024). (a)(10), (a)(11) and (d)(3) are in force from 11 Apr 2025; the ' +
      '"revoke-all" part of (a)(10) — a revocation in reply to one kind of message stops all ' +
      'robocalls and robotexts on unrelated matters — is waived until 31 Jan 2027 (DA 26-12). The ' +
      'engine applies an opt-out immediately to its channel (R12), within the 10 days.',
  },
  canSpamOptOut: {
    id: 'US/can-spam/opt-out',
    effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
    citation: '15 U.S.C. §§7702(2), 7702(17), 7704(a); 16 CFR §§316.3, 316.5',
    sources: [
      'https://www.optizmo.com/blog/can-spam-deep-dive-series-honoring-opt-out-requests/',
      'https://law.lawstack.com/cfr/16/316.5/',
      'https://spamtacular.com/2008/10/07/prior-business-relationships-are-irrelevant',
      'https://www.nafcu.org/compliance-blog/do-emails-containing-transactional-or-relationship-content-require-unsubscribe-option',
      'https://itlaw.fandom.com/wiki/Primary_purpose',
    ],
    status: 'secondary',
    scope:
      'Commercial e-mail only; transactional or relationship messages (balances, statements) are not commercial but may not use false header information',
    channel: 'email',
    honorWithinBusinessDays: 10,
    commercialOnly: true,
    note:
      'Commercial e-mail must not use false or misleading header information, must identify itself ' +
      'as an advertisement, give a clear opt-out mechanism and a valid physical postal address, and ' +
      'honour opt-outs within 10 business days, without a fee, extra information, or more than a ' +
      'reply e-mail or a single web page visit. Mixed messages are judged by their primary purpose. ' +
      'Rent reminders and statements are transactional or relationship messages.',
  },
  scraEviction: {
    id: 'US/scra/eviction',
    effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
    citation: '50 U.S.C. §3951; §3931',
    sources: [
      'https://lexbuild.dev/fr/2023/01/2023-01992',
      'https://www.dover.af.mil/News/Article/3302095/service-member-civil-relief-act/',
      'https://lawforveterans.org/housing/74-landlord-tenant-matters/501-scra-eviction',
    ],
    status: 'secondary',
    scope: 'Residential tenants in military service and their dependents',
    holdType: 'military',
    stayDays: 90,
    rentCeilings: [
      {
        year: 2023,
        cents: 910_646,
        status: 'verified',
        source: 'https://lexbuild.dev/fr/2023/01/2023-01992',
      },
      {
        year: 2025,
        cents: 1_023_963,
        status: 'unverified',
      },
    ],
    note:
      'No eviction of a servicemember or dependents from premises occupied primarily as a residence ' +
      'during military service, when rent is at or below the annual ceiling, except by court order; ' +
      'on request the court must stay proceedings (90 days unless justice requires otherwise) or ' +
      'adjust the obligation when service materially affects ability to pay. Default judgments ' +
      'require an affidavit on military status. Ceiling $9,106.46 for 2023 (88 FR 6241); the 2025 ' +
      'figure $10,239.63 is from a secondary source only (U); 2026 not researched.',
  },
  scraStorageLien: {
    id: 'US/scra/storage-lien',
    effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
    citation: '50 U.S.C. §3958 (SCRA §307)',
    sources: [
      'https://www.americanbar.org/groups/legal_services/milvets/aba_home_front/information_center/servicemembers_civil_relief_act/benefits_and_protections/storage_liens/',
      'https://selfstoragelaw.com/articles/index.php',
    ],
    status: 'secondary',
    scope: 'Self-storage and other possessory liens on a servicemember’s property or effects',
    holdType: 'military',
    daysAfterService: 90,
    note:
      'A lienholder may not foreclose or enforce a lien on a servicemember’s property or effects ' +
      'during military service and for 90 days after, without a court order.',
  },
  bankruptcyStay: {
    id: 'US/bankruptcy/automatic-stay',
    effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
    citation: '11 U.S.C. §362(a), (b)(10), (b)(22), (b)(23), (l), (m)',
    sources: [
      'http://codes.lp.findlaw.com/uscode/11/3/IV/362',
      'https://law.com/newyorklawjournal/almID/1202431164285',
      'https://print.casetext.com/case/in-re-harris-154',
      'https://chancemcgheelaw.com/sanantoniobankruptcyblog/the-endangerment-of-property-and-illegal-use-of-controlled-substances-automatic-stay-exceptions',
      'https://bankruptcy.uslegal.com/chapter-13/chapter-13-plan/exceptions-to-automatic-stay/',
    ],
    status: 'secondary',
    scope: 'All creditors, including landlords and storage operators',
    holdType: 'bankruptcy',
    note:
      'A petition stays proceedings against the debtor, enforcement of pre-petition judgments, acts ' +
      'to obtain possession of estate property and any act to collect a pre-petition claim ' +
      '(§362(a)(6)): collection outreach on pre-petition rent must stop. Residential exception: ' +
      'eviction may continue after a pre-petition judgment for possession (§362(b)(22)) unless the ' +
      "debtor files the §362(l) certification and deposits 30 days' rent; expedited path for " +
      'endangerment or illegal drug use (§362(b)(23), (m)); nonresidential lease terminated before ' +
      'filing: §362(b)(10) (secondary). Any such exception is for counsel, not the engine.',
  },
  caresActNotice: {
    id: 'US/cares-act/notice-to-vacate',
    effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
    citation: 'CARES Act §4024; 15 U.S.C. §9058(a), (c)',
    sources: [
      'https://law.lawstack.com/usc/15/9058/',
      'https://www.evictfl.com/cares-act-section-4024/',
      'https://offitkurman.com/blog/2024/03/15/the-cares-actis-that-still-a-thing/',
      'https://www.wisbar.org/NewsPublications/WisconsinLawyer/Pages/Article.aspx?ArticleID=29595&Issue=2&Volume=96',
    ],
    status: 'secondary',
    scope:
      'Covered dwellings: VAWA covered housing programs, rural housing vouchers, or a federally backed mortgage loan (FHA/VA/USDA/HUD, Fannie Mae/Freddie Mac)',
    noticeDays: 30,
    note:
      'The lessor of a covered dwelling may not require the tenant to vacate until 30 days after a ' +
      'notice to vacate. No sunset in the text; treated as in force by HUD and most commentators ' +
      '(some dispute — not researched).',
  },
  hudNonpaymentNotice: {
    id: 'US/hud/nonpayment-notice',
    effectiveFrom: '2025-01-13',
    citation: '89 FR 101270 (13 Dec 2024); 24 CFR parts 247, 880, 884, 886, 891, 966',
    sources: [
      'https://frtracker.app/fr/2024-28861',
      'https://regulations.justia.com/regulations/fedreg/2024/12/13/2024-28861.html',
      'https://nlihc.org/resource/hud-publishes-final-30-day-eviction-notice-rule',
    ],
    status: 'verified',
    scope:
      'Public housing and project-based rental assistance (Section 8 PBRA, 202 PAC/PRAC, 811 PRAC/PRA, SPRAC); not Housing Choice or Project-Based Vouchers',
    noticeDays: 30,
    note:
      'Written notice 30 days before filing a judicial eviction for nonpayment. PHA compliance with ' +
      '24 CFR 966.4(q) by 15 Jun 2026; some PBRA content 14 months after HUD model leases.',
  },
};

/** Every rule of the overlay, for listing and checks. */
export function federalOverlayRules(): OverlayRule[] {
  return Object.values(FEDERAL_OVERLAY);
}

/** The SCRA rent ceiling published for `year`, if the reference has one. */
export function scraRentCeiling(year: number): ScraRentCeiling | undefined {
  return FEDERAL_OVERLAY.scraEviction.rentCeilings.find((c) => c.year === year);
}

export const US_FEDERAL: JurisdictionPack = {
  id: 'US',
  name: 'United States (federal overlay)',
  holidays: 'US',
  lateFees: [],
  notices: [],
};
