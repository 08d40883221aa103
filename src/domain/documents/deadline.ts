/**
 * The statutory part of a notice: which jurisdiction rule governs it on the mailing date,
 * the deadline that rule's counting gives (jurisdictions/deadlines.ts), the rule's wording
 * slots, and how the period was counted in words the tenant can check.
 */
import type { LocalDate } from '../dates.js';
import { noticeDeadline, noticeRuleFor } from '../jurisdictions/index.js';
import type { DayCounting, RuleStatus } from '../jurisdictions/types.js';
import type { DeliveryMethod, PropertyKind } from '../portfolio/schema.js';
import type { Locale } from '../templates/render.js';
import { noticeLabels } from './labels.js';

export interface NoticeTerms {
  ruleId: string;
  title: string;
  citation: string;
  status: RuleStatus;
  periodDays: number;
  counting: DayCounting;
  serviceDayCounts: boolean;
  /** Extra calendar days the method adds (mailing). */
  extensionDays: number;
  servedOn: LocalDate;
  method: DeliveryMethod;
  /** Last day of the period (inclusive). */
  deadline: LocalDate;
  /** The rule's wording of the period, if it has one (`notice.period_text`). */
  periodText?: string;
  /** The rule's other required sentences (`notice.statements`), in the pack's order. */
  statements: string[];
}

/** The rule does not accept the delivery method (policy validation should have refused it). */
export class MethodNotAcceptedError extends Error {
  constructor(
    readonly ruleId: string,
    readonly method: string,
    readonly accepted: readonly string[],
  ) {
    super(`${ruleId} does not accept delivery by ${method} (accepted: ${accepted.join(', ')})`);
    this.name = 'MethodNotAcceptedError';
  }
}

/**
 * The terms of a notice mailed on `servedOn`, or undefined when no rule of the property's
 * jurisdiction governs the template (a courtesy notice has no statutory deadline).
 */
export function noticeTerms(
  jurisdiction: string,
  kind: PropertyKind,
  templateId: string,
  servedOn: LocalDate,
  method: DeliveryMethod,
): NoticeTerms | undefined {
  const rule = noticeRuleFor(jurisdiction, kind, templateId, servedOn);
  if (!rule) return undefined;
  if (!rule.deliveryMethods.includes(method))
    throw new MethodNotAcceptedError(rule.id, method, rule.deliveryMethods);
  const { period, ...others } = rule.wording ?? {};
  return {
    ruleId: rule.id,
    title: rule.title,
    citation: rule.citation,
    status: rule.status,
    periodDays: rule.periodDays,
    counting: rule.counting,
    serviceDayCounts: rule.serviceDayCounts,
    extensionDays: rule.mailingExtensionDays?.[method] ?? 0,
    servedOn,
    method,
    deadline: noticeDeadline(rule, servedOn, method),
    ...(period !== undefined ? { periodText: period } : {}),
    statements: Object.values(others),
  };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * How the period was counted, in a sentence: "3 court days (Saturdays, Sundays and court
 * holidays are not counted), counted from the day after the notice is served or mailed".
 */
export function describeCounting(
  terms: Pick<
    NoticeTerms,
    'periodDays' | 'counting' | 'serviceDayCounts' | 'extensionDays' | 'method'
  >,
  locale: Locale,
): string {
  const n = terms.periodDays;
  const method = noticeLabels(locale).methods[terms.method] ?? terms.method;
  if (locale === 'es') {
    const days =
      terms.counting === 'calendar'
        ? plural(n, 'día natural', 'días naturales')
        : terms.counting === 'business_days'
          ? `${plural(n, 'día hábil', 'días hábiles')} (no se cuentan los sábados, domingos ni días feriados)`
          : `${plural(n, 'día hábil judicial', 'días hábiles judiciales')} (no se cuentan los sábados, domingos ni días feriados de los tribunales)`;
    const from = terms.serviceDayCounts
      ? 'contando el día en que se entrega o envía el aviso'
      : 'contados a partir del día siguiente a la entrega o envío del aviso';
    const extra =
      terms.extensionDays > 0
        ? `, más ${plural(terms.extensionDays, 'día natural', 'días naturales')} por el envío por ${method.toLowerCase()}`
        : '';
    return `${days}, ${from}${extra}.`;
  }
  const days =
    terms.counting === 'calendar'
      ? plural(n, 'calendar day', 'calendar days')
      : terms.counting === 'business_days'
        ? `${plural(n, 'business day', 'business days')} (Saturdays, Sundays and holidays are not counted)`
        : `${plural(n, 'court day', 'court days')} (Saturdays, Sundays and court holidays are not counted)`;
  const from = terms.serviceDayCounts
    ? 'counting the day the notice is served or mailed'
    : 'counted from the day after the notice is served or mailed';
  const extra =
    terms.extensionDays > 0
      ? `, plus ${plural(terms.extensionDays, 'calendar day', 'calendar days')} because it is sent by ${method.toLowerCase()}`
      : '';
  return `${days}, ${from}${extra}.`;
}
