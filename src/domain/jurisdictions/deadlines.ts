/**
 * Notice deadlines (SPEC section 6): the last day of the period a notice gives, computed
 * from the jurisdiction rule's counting method, its holiday calendar, whether the day of
 * service counts, and any extra days for the delivery method.
 */
import { addBusinessDays, nextBusinessDayOnOrAfter } from '../calendar/business-days.js';
import { addDays, type LocalDate } from '../dates.js';
import type { DeliveryMethod } from '../portfolio/schema.js';
import type { NoticeRule } from './types.js';

/**
 * The last day of the notice period for a notice served (or mailed) on `serviceDate` by
 * `method`. The tenant has until the end of that day; the next step may be taken the day
 * after.
 *
 * - `calendar`: every day counts.
 * - `court_days` / `judicial_days` / `business_days`: Saturdays, Sundays and the holidays of
 *   `rule.holidays` are skipped, so the deadline is always such a day.
 * - `serviceDayCounts: false` (e.g. CCP §12): day 1 is the first counted day strictly after
 *   the day of service; `true`: the day of service is day 1 when it is a counted day.
 * - `mailingExtensionDays[method]` calendar days are added after the period; with court /
 *   business-day counting the result then moves to the next counted day if it is not one.
 *
 * Throws when the rule does not accept `method` (policy validation rejects such policies,
 * so reaching this is a bug).
 */
export function noticeDeadline(
  rule: NoticeRule,
  serviceDate: LocalDate,
  method: DeliveryMethod,
): LocalDate {
  if (!rule.deliveryMethods.includes(method)) {
    throw new Error(
      `${rule.id}: delivery method "${method}" is not accepted (accepted: ${rule.deliveryMethods.join(', ')})`,
    );
  }
  const base = rule.serviceDayCounts ? addDays(serviceDate, -1) : serviceDate;
  const extension = rule.mailingExtensionDays?.[method] ?? 0;
  if (rule.counting === 'calendar') return addDays(base, rule.periodDays + extension);
  const end = addBusinessDays(base, rule.periodDays, rule.holidays);
  return extension > 0 ? nextBusinessDayOnOrAfter(addDays(end, extension), rule.holidays) : end;
}
