/**
 * Notice deadlines (SPEC section 6): the last day of the period a notice gives, computed
 * from the jurisdiction rule's counting method, its holiday calendar, whether the day of
 * service counts, and any extra days for the delivery method.
 */
import { addBusinessDays, nextBusinessDayOnOrAfter } from '../calendar/business-days.js';
import { NO_HOLIDAYS } from '../calendar/holidays.js';
import { addDays, daysBetween, type LocalDate } from '../dates.js';
import type { DeliveryMethod } from '../portfolio/schema.js';
import type { FollowUp, NoticeRule } from './types.js';

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

/** A week of service dates (Monday 2024-01-01 to Sunday 2024-01-07): only the weekday matters. */
const ONE_WEEK: LocalDate[] = Array.from({ length: 7 }, (_, i) => addDays('2024-01-01', i));

/**
 * The most calendar days a notice served by `method` can take, from the day of service to
 * its deadline, for any weekday of service, weekends counted but no holidays (a holiday in
 * the period can only make it longer). A sale may be held that many days after the notice
 * at the earliest, any other step one day later: a policy whose stages leave less room
 * breaks the statute for every lease served on the wrong weekday.
 */
export function longestNoticeSpanDays(rule: NoticeRule, method: DeliveryMethod): number {
  const noHolidays: NoticeRule = { ...rule, holidays: NO_HOLIDAYS };
  let longest = 0;
  for (const served of ONE_WEEK)
    longest = Math.max(longest, daysBetween(served, noticeDeadline(noHolidays, served, method)));
  return longest;
}

/** The steps each template's notice precedes when its rule does not say (`mustPrecede`). */
const DEFAULT_FOLLOW_UPS: Readonly<Record<string, readonly FollowUp[]>> = {
  'pay-or-quit-notice': ['filing'],
  'pre-lien-notice': ['notice:lien-notice', 'access_denial', 'cut_lock', 'sale'],
  'lien-notice': ['cut_lock', 'sale'],
  'auction-notice': ['sale'],
};

/** The steps that must wait for the period of `rule`'s notice sent with `template`. */
export function followUpsOf(rule: NoticeRule, template: string): readonly FollowUp[] {
  return rule.mustPrecede ?? DEFAULT_FOLLOW_UPS[template] ?? [];
}
