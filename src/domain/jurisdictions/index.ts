/**
 * The registry of jurisdiction packs and the look-ups the evaluator and policy validation use:
 * which late-fee or notice rule is in force for a jurisdiction, property kind and date.
 */
import type { LocalDate } from '../dates.js';
import type { PropertyKind } from '../portfolio/schema.js';
import type { JurisdictionPack, LateFeeRule, NoticeRule, RuleMeta, SaleRule } from './types.js';
import { US_AZ } from './us-az.js';
import { US_CA } from './us-ca.js';
import { US_CO } from './us-co.js';
import { US_FEDERAL } from './us-federal.js';
import { US_FL } from './us-fl.js';
import { US_GA } from './us-ga.js';
import { US_IL } from './us-il.js';
import { US_MA } from './us-ma.js';
import { US_MD } from './us-md.js';
import { US_MI } from './us-mi.js';
import { US_NC } from './us-nc.js';
import { US_NJ } from './us-nj.js';
import { US_NV } from './us-nv.js';
import { US_NY } from './us-ny.js';
import { US_OH } from './us-oh.js';
import { US_OR } from './us-or.js';
import { US_PA } from './us-pa.js';
import { US_TN } from './us-tn.js';
import { US_TX } from './us-tx.js';
import { US_VA } from './us-va.js';
import { US_WA } from './us-wa.js';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The federal overlay first, then the states in code order. */
const PACKS: readonly JurisdictionPack[] = deepFreeze([
  US_FEDERAL,
  US_AZ,
  US_CA,
  US_CO,
  US_FL,
  US_GA,
  US_IL,
  US_MA,
  US_MD,
  US_MI,
  US_NC,
  US_NJ,
  US_NV,
  US_NY,
  US_OH,
  US_OR,
  US_PA,
  US_TN,
  US_TX,
  US_VA,
  US_WA,
]);
const BY_ID = new Map(PACKS.map((p) => [p.id, p]));

/** The pack for `id` (`US-CA`, `US-NY`, `US`; case-insensitive), or undefined. */
export function getPack(id: string): JurisdictionPack | undefined {
  return BY_ID.get(id) ?? BY_ID.get(id.toUpperCase());
}

/** Every pack, federal overlay first. */
export function listPacks(): readonly JurisdictionPack[] {
  return PACKS;
}

/** Whether `rule` is in force on `onDate` (effective dates are inclusive). */
export function isRuleInForce(rule: RuleMeta, onDate: LocalDate): boolean {
  return (
    rule.effectiveFrom <= onDate && (rule.effectiveTo === undefined || onDate <= rule.effectiveTo)
  );
}

/**
 * The rule in force on `onDate` among `rules` matching `pick`; when versions overlap the
 * latest `effectiveFrom` wins.
 */
export function ruleInForce<R extends RuleMeta>(
  rules: readonly R[],
  onDate: LocalDate,
  pick: (rule: R) => boolean,
): R | undefined {
  let best: R | undefined;
  for (const rule of rules) {
    if (!pick(rule) || !isRuleInForce(rule, onDate)) continue;
    if (best === undefined || rule.effectiveFrom > best.effectiveFrom) best = rule;
  }
  return best;
}

/** The late-fee rule of `jurisdiction` in force on `onDate` for `kind`, if any. */
export function lateFeeRuleFor(
  jurisdiction: string,
  kind: PropertyKind,
  onDate: LocalDate,
): LateFeeRule | undefined {
  const pack = getPack(jurisdiction);
  return pack && ruleInForce(pack.lateFees, onDate, (r) => r.appliesTo.includes(kind));
}

/** The notice rule of `jurisdiction` governing template `templateId` for `kind` on `onDate`. */
export function noticeRuleFor(
  jurisdiction: string,
  kind: PropertyKind,
  templateId: string,
  onDate: LocalDate,
): NoticeRule | undefined {
  const pack = getPack(jurisdiction);
  return (
    pack &&
    ruleInForce(
      pack.notices,
      onDate,
      (r) => r.appliesTo.includes(kind) && r.templates.includes(templateId),
    )
  );
}

/** The lien-sale rule of `jurisdiction` in force on `onDate` for `kind`, if any. */
export function saleRuleFor(
  jurisdiction: string,
  kind: PropertyKind,
  onDate: LocalDate,
): SaleRule | undefined {
  const pack = getPack(jurisdiction);
  return pack && ruleInForce(pack.sales ?? [], onDate, (r) => r.appliesTo.includes(kind));
}

/** Every version of the late-fee rules for `kind` (all dates), e.g. for validation. */
export function lateFeeRulesFor(jurisdiction: string, kind: PropertyKind): readonly LateFeeRule[] {
  const pack = getPack(jurisdiction);
  if (!pack) return [];
  return pack.lateFees.filter((r) => r.appliesTo.includes(kind));
}

/** Every version of the notice rules for a template (all dates), e.g. for validation. */
export function noticeRulesFor(
  jurisdiction: string,
  kind: PropertyKind,
  templateId: string,
): readonly NoticeRule[] {
  const pack = getPack(jurisdiction);
  if (!pack) return [];
  return pack.notices.filter((r) => r.appliesTo.includes(kind) && r.templates.includes(templateId));
}

/**
 * Every rule of a pack, for listings and checks: late fees, notices and sale rules, each
 * with its citation and status.
 */
export function packRules(pack: JurisdictionPack): readonly RuleMeta[] {
  return [...pack.lateFees, ...pack.notices, ...(pack.sales ?? [])];
}

/** Whether `rule` is unverified, or has parts the reference could not verify. */
export function hasUnverifiedPart(rule: RuleMeta): boolean {
  return rule.status === 'unverified' || (rule.unverifiedParts?.length ?? 0) > 0;
}

export { US_AZ } from './us-az.js';
export { US_CA } from './us-ca.js';
export { US_CO } from './us-co.js';
export { US_FL } from './us-fl.js';
export { US_GA } from './us-ga.js';
export { US_IL } from './us-il.js';
export { US_MA } from './us-ma.js';
export { US_MD } from './us-md.js';
export { US_MI } from './us-mi.js';
export { US_NC } from './us-nc.js';
export { US_NJ } from './us-nj.js';
export { US_NV } from './us-nv.js';
export { US_NY } from './us-ny.js';
export { US_OH } from './us-oh.js';
export { US_OR } from './us-or.js';
export { US_PA } from './us-pa.js';
export { US_TN } from './us-tn.js';
export { US_TX } from './us-tx.js';
export { US_VA } from './us-va.js';
export { US_WA } from './us-wa.js';
export { FEDERAL_OVERLAY, US_FEDERAL } from './us-federal.js';
export { feeCapCents, capUpperBoundCents, capPercentCeiling } from './fee-caps.js';
export { followUpsOf, longestNoticeSpanDays, noticeDeadline } from './deadlines.js';
