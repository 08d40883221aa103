/**
 * New Jersey. Built only from /reference/jurisdictions.md (sections 1, 2 and 5); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 *
 * No notice rule: the Anti-Eviction Act requires no notice to quit before filing for simple
 * nonpayment (N.J.S.A. §2A:18-61.1(a), secondary), so a pay-or-quit notice in New Jersey is a
 * courtesy with no statutory period. Habitual late payment is a different ground (a written
 * notice to cease, then a one-month notice to quit, §2A:18-61.2) that the engine does not
 * model. Not encoded: commercial nonpayment (not verified).
 */
import type { JurisdictionPack } from './types.js';

/** The enactment date is not recorded in the reference: the rule is treated as always in force. */
const IN_FORCE_SINCE_UNRECORDED = '1970-01-01';

export const US_NJ: JurisdictionPack = {
  id: 'US-NJ',
  name: 'New Jersey',
  holidays: 'US-NJ',
  lateFees: [
    {
      id: 'US-NJ/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: IN_FORCE_SINCE_UNRECORDED,
      citation: 'N.J.S.A. §2A:42-6.1 (grace for qualified tenants); no general cap located',
      sources: [
        'https://www.billtrack50.com/billdetail/1971679',
        'https://legiscan.com/NJ/text/S4241/2018',
      ],
      status: 'unverified',
      earliestDay: 1,
      cap: null,
      oncePerLatePayment: false,
      note:
        '5 business days\' grace (secondary) applies only to "qualified tenants" whose rent is due ' +
        'on the 1st: seniors receiving Social Security old-age, railroad or government pensions, ' +
        'and recipients of SSDI, SSI or Work First NJ. The engine cannot tell who qualifies, so it ' +
        'applies no grace to other leases; tag qualified tenants and give them a later late-fee ' +
        'stage. No general cap was located — not a confirmed "no cap": a late-fee stage needs ' +
        'approval in assisted and autopilot modes until counsel confirms.',
    },
  ],
  notices: [],
};
