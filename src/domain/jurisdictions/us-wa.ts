/**
 * Washington. Built only from /reference/jurisdictions.md (sections 1, 2 and 5); every rule
 * carries its citation, the sources read and how well it was verified. Not legal advice:
 * counsel must confirm every default before it ships.
 */
import type { DeliveryMethod } from '../portfolio/schema.js';
import type { JurisdictionPack } from './types.js';

const MAIL: DeliveryMethod[] = [
  'certified_mail',
  'certified_mail_e_return_receipt',
  'first_class',
  'first_class_certificate_of_mailing',
];

/** RCW 59.12.040: one extra day when served by posting plus mailing. */
const POSTING_PLUS_MAILING: Partial<Record<DeliveryMethod, number>> = {
  certified_mail: 1,
  certified_mail_e_return_receipt: 1,
  first_class: 1,
  first_class_certificate_of_mailing: 1,
};

const SERVICE_NOTE =
  'Personal service and posting are done by staff through a task that records the proof of ' +
  'service; the mail methods are the mailing the engine sends, and because the engine cannot ' +
  'tell whether it accompanies a posting, it always adds the extra day of RCW 59.12.040 (the ' +
  'later, safer deadline). Other service methods are not in the reference. Whether the day of ' +
  'service counts is not stated: it is not counted.';

export const US_WA: JurisdictionPack = {
  id: 'US-WA',
  name: 'Washington',
  holidays: 'US-WA',
  lateFees: [
    {
      id: 'US-WA/residential/late-fee',
      appliesTo: ['residential'],
      effectiveFrom: '2020-06-11',
      citation: 'RCW 59.18.170(2) (ESHB 2535); HB 1217 (2025)',
      sources: [
        'https://lawfilesext.leg.wa.gov/biennium/2019-20/Htm/Bills/Session%20Laws/House/2535-S.SL.htm',
        'https://fastdemocracy.com/bill-summary/?billsummary_id=WAB00020940&billsummary_session=2023-2024&billsummary_state=wa',
        'https://www.marcusmillichap.com/research/special-report/2025/25_05-special-report-washington-rent-control',
      ],
      status: 'verified',
      unverifiedParts: [
        'the cap: HB 1217 (signed 7 May 2025) limits late fees; bill versions capped them at 1.5% of the monthly rent, but the final enacted text was not read',
      ],
      earliestDay: 6,
      cap: null,
      oncePerLatePayment: false,
      note:
        'No late fee if the rent is paid within 5 days of its due date (statute text, in force ' +
        'since 11 Jun 2020); if it is more than 5 days late the fee may run from the day after the ' +
        'due date. The cap is not confirmed: HB 1217 (2025) limits late fees and bill versions ' +
        'capped them at 1.5% of the monthly rent — until counsel confirms the enacted text, no cap ' +
        'is applied and a late-fee stage needs approval in assisted and autopilot modes.',
    },
  ],
  notices: [
    {
      id: 'US-WA/residential/pay-or-vacate-notice',
      appliesTo: ['residential'],
      templates: ['pay-or-quit-notice'],
      title: '14-day notice to pay or vacate',
      effectiveFrom: '2019-07-28',
      citation: 'RCW 59.12.030(3); RCW 59.18.057; RCW 59.12.040',
      sources: [
        'https://app.leg.wa.gov/RCW/default.aspx?cite=59.18.057',
        'https://wa-evictions.blogspot.com/2019/05/sb-5600-14-day-rent-notices-staying.html',
        'https://www.brandlilaw.com/sb-5600/',
      ],
      status: 'secondary',
      unverifiedParts: [
        'the statutory form of RCW 59.18.057 (the shipped template is not that form)',
      ],
      periodDays: 14,
      counting: 'calendar',
      holidays: 'US-WA',
      serviceDayCounts: false,
      mailingExtensionDays: POSTING_PLUS_MAILING,
      deliveryMethods: MAIL,
      wording: {
        period: 'within fourteen (14) days after service of this notice',
      },
      note:
        'A 14-day notice to pay or vacate (3 days before 28 Jul 2019), in calendar days, with one ' +
        'extra day when served by posting plus mailing. It must follow the statutory form of RCW ' +
        '59.18.057: AG resources, interpreter rights, and rent, utilities and recurring charges ' +
        'itemized — "rent" excludes late fees and one-off charges, and payments apply to rent ' +
        "first. Use counsel's text of the form as an inline template. The notice may be served any " +
        `time after rent is due. ${SERVICE_NOTE}`,
    },
    {
      id: 'US-WA/commercial/pay-or-vacate-notice',
      appliesTo: ['commercial'],
      templates: ['pay-or-quit-notice'],
      title: '3-day notice to pay or vacate',
      effectiveFrom: '1970-01-01',
      citation: 'RCW 59.12.030(3); RCW 59.12.040',
      sources: [
        'https://wa-evictions.blogspot.com/2019/05/sb-5600-14-day-rent-notices-staying.html',
        'https://www.brandlilaw.com/sb-5600/',
      ],
      status: 'secondary',
      periodDays: 3,
      counting: 'calendar',
      holidays: 'US-WA',
      serviceDayCounts: false,
      mailingExtensionDays: POSTING_PLUS_MAILING,
      deliveryMethods: MAIL,
      wording: {
        period: 'within three (3) days after service of this notice',
      },
      note: `Commercial tenancies keep a 3-day notice to pay or vacate. ${SERVICE_NOTE}`,
    },
  ],
};
