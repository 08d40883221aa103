/**
 * The registry of jurisdiction packs and the look-ups the evaluator and policy validation use:
 * which late-fee or notice rule is in force for a jurisdiction, property kind and date.
 */
import type { LocalDate } from '../dates.js';
import type { PropertyKind } from '../portfolio/schema.js';
import type { JurisdictionPack, LateFeeRule, NoticeRule, RuleMeta } from './types.js';
import { US_CA } from './us-ca.js';
import { US_FEDERAL } from './us-federal.js';
import { US_TX } from './us-tx.js';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const PACKS: readonly JurisdictionPack[] = deepFreeze([US_FEDERAL, US_CA, US_TX]);
const BY_ID = new Map(PACKS.map((p) => [p.id, p]));

/** The pack for `id` (`US-CA`, `US-TX`, `US`; case-insensitive), or undefined. */
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

export { US_CA } from './us-ca.js';
export { US_TX } from './us-tx.js';
export { FEDERAL_OVERLAY, US_FEDERAL } from './us-federal.js';
export { feeCapCents, capUpperBoundCents, capPercentCeiling } from './fee-caps.js';
export { noticeDeadline } from './deadlines.js';
