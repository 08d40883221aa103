/**
 * Ohio. Built only from /reference/jurisdictions.md (sections 1, 2 and 5); every rule carries
 * its citation, the sources read and how well it was verified. Not legal advice: counsel must
 * confirm every default before it ships.
 *
 * Ohio's notice is a notice to leave the premises, not a pay-or-quit notice: paying within the
 * 3 days is not a statutory right to stay, and the shipped `pay-or-quit-notice` template (which
 * offers that choice) is not an Ohio notice. Not encoded: commercial nonpayment (not verified).
 */
import type { JurisdictionPack } from './types.js';

/** The enactment date is not recorded in the reference: the rule is treated as always in force. */
const IN_FORCE_SINCE_UNRECORDED = '1970-01-01';

export const US_OH: JurisdictionPack = {
  id: 'US-OH',
  name: 'Ohio',
  holidays: 'US-OH',
  lateFees: [
    {
      id: 'US-OH/residential/late-fee',
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
        'counsel confirms Ohio law, a late-fee stage needs approval in assisted and autopilot modes.',
    },
  ],
  notices: [
    {
      id: 'US-OH/residential/notice-to-leave',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '3-day notice to leave the premises',
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'Ohio Rev. Code §1923.04 (grounds §1923.02)',
      sources: [
        'https://www.ilrg.com/forms/notice-to-vacate-quit/us/oh',
        'https://legalclarity.org/how-to-fill-out-the-ohio-notice-to-leave-premises-form/',
      ],
      status: 'secondary',
      unverifiedParts: [
        'day counting (varies by local court)',
        'the statutory warning wording of §1923.04 (not in the reference; the shipped template is not an Ohio notice to leave)',
      ],
      periodDays: 3,
      counting: 'business_days',
      holidays: 'US-OH',
      serviceDayCounts: false,
      deliveryMethods: ['certified_mail_e_return_receipt'],
      note:
        'A 3-day notice to leave the premises, with statutory warning wording. How the days are ' +
        'counted varies by local court; many exclude the day of service, weekends and holidays ' +
        '(secondary) — that reading, the later deadline, is used. Not a pay-or-quit notice: paying ' +
        'within 3 days is not a statutory right to stay, and accepting rent after service may ' +
        'waive the notice. Service: in person, by certified mail with return receipt requested, or ' +
        'left at the residence or premises — the last two and in-person service are staff tasks. ' +
        "Use counsel's notice (with the statutory warning) as an inline template.",
    },
  ],
};
