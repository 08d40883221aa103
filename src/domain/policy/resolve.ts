/**
 * Which policy governs a lease (SPEC 2), and why — the "which workflow applies" view.
 *
 * The most specific `appliesTo` wins. Each condition a policy sets must hold for the lease;
 * among the policies whose conditions all hold, rank by the conditions they set, in this
 * order of weight:
 *
 *   propertyIds > leaseTags > jurisdiction > spaceTypes > kind
 *
 * so a property-level override beats every corporate workflow, a state × space-type
 * workflow beats a state-wide one (state × kind), which beats a kind-only or default one.
 * This refines SPEC 2's list (propertyIds > leaseTags > jurisdiction × kind × spaceTypes >
 * jurisdiction × kind > kind > {}) without reordering it, and ranks the combinations it
 * does not list (a property override that also names a space type beats one that does not).
 * Among equals: the higher version of the same id, then the id in code-unit order, so the
 * choice never depends on file order. Pure.
 */
import type { Lease, Property } from '../portfolio/schema.js';
import type { Policy } from './schema.js';

/** Weight of each `appliesTo` condition; a policy's specificity is the sum of those it sets. */
const WEIGHTS = {
  propertyIds: 16,
  leaseTags: 8,
  jurisdiction: 4,
  spaceTypes: 2,
  kind: 1,
} as const;

type Condition = keyof typeof WEIGHTS;
/** Display order: as people name a workflow ("state × kind × space type"). */
const CONDITIONS: readonly Condition[] = [
  'propertyIds',
  'leaseTags',
  'jurisdiction',
  'kind',
  'spaceTypes',
];

const CONDITION_NAMES: Record<Condition, string> = {
  propertyIds: 'property',
  leaseTags: 'lease tag',
  jurisdiction: 'state',
  spaceTypes: 'space type',
  kind: 'kind',
};

interface ConditionCheck {
  condition: Condition;
  holds: boolean;
  /** Why it holds or not, for people. */
  detail: string;
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `\`${v}\``).join(', ');
}

/** Every condition `policy` sets, checked against the lease. */
function checkConditions(policy: Policy, lease: Lease, property: Property): ConditionCheck[] {
  const a = policy.appliesTo;
  const out: ConditionCheck[] = [];
  if (a.propertyIds) {
    const holds = a.propertyIds.includes(property.id);
    out.push({
      condition: 'propertyIds',
      holds,
      detail: holds
        ? `property ${property.id} is one of its properties`
        : `property ${property.id} is not one of its properties (${quoteList(a.propertyIds)})`,
    });
  }
  if (a.leaseTags) {
    const hit = a.leaseTags.filter((t) => lease.tags.includes(t));
    out.push({
      condition: 'leaseTags',
      holds: hit.length > 0,
      detail:
        hit.length > 0
          ? `the lease is tagged ${quoteList(hit)}`
          : `the lease has none of its tags (${quoteList(a.leaseTags)})`,
    });
  }
  if (a.jurisdiction) {
    const holds = a.jurisdiction === property.jurisdiction;
    out.push({
      condition: 'jurisdiction',
      holds,
      detail: holds
        ? `the property is in ${property.jurisdiction}`
        : `the property is in ${property.jurisdiction}, the policy is for ${a.jurisdiction}`,
    });
  }
  if (a.spaceTypes) {
    const holds = lease.spaceType !== undefined && a.spaceTypes.includes(lease.spaceType);
    out.push({
      condition: 'spaceTypes',
      holds,
      detail: holds
        ? `the space type is \`${lease.spaceType}\``
        : lease.spaceType === undefined
          ? `the lease has no space type (the policy is for ${quoteList(a.spaceTypes)})`
          : `the space type is \`${lease.spaceType}\`, not one of ${quoteList(a.spaceTypes)}`,
    });
  }
  if (a.kind) {
    const holds = a.kind === property.kind;
    out.push({
      condition: 'kind',
      holds,
      detail: holds
        ? `the property is ${property.kind}`
        : `the property is ${property.kind}, the policy is for ${a.kind}`,
    });
  }
  return out;
}

/** Specificity of `policy` for the lease (higher wins), or -1 when it does not apply. */
export function specificity(policy: Policy, lease: Lease, property: Property): number {
  let score = 0;
  for (const check of checkConditions(policy, lease, property)) {
    if (!check.holds) return -1;
    score += WEIGHTS[check.condition];
  }
  return score;
}

/** What a policy's `appliesTo` selects, e.g. `state × kind × space type`, or `default`. */
export function matchLevel(policy: Policy): string {
  const set = CONDITIONS.filter((c) => policy.appliesTo[c] !== undefined);
  return set.length === 0 ? 'default' : set.map((c) => CONDITION_NAMES[c]).join(' × ');
}

/** Whether `a` beats `b` at equal specificity: same id → higher version; else lower id. */
function winsTie(a: Policy, b: Policy): boolean {
  return a.id === b.id ? a.version > b.version : a.id < b.id;
}

export interface Resolution {
  policy: Policy;
  /** Why this policy: which `appliesTo` matched, for the "which workflow and why" view. */
  why: string;
}

export function resolvePolicy(
  policies: readonly Policy[],
  lease: Lease,
  property: Property,
): Resolution | undefined {
  let best: Policy | undefined;
  let bestScore = -1;
  for (const p of policies) {
    const s = specificity(p, lease, property);
    if (s < 0) continue;
    if (best === undefined || s > bestScore || (s === bestScore && winsTie(p, best))) {
      best = p;
      bestScore = s;
    }
  }
  if (!best) return undefined;
  return { policy: best, why: describeMatch(best) };
}

function describeMatch(p: Policy): string {
  const a = p.appliesTo;
  const parts: string[] = [];
  if (a.propertyIds) parts.push(`property ${a.propertyIds.join(', ')}`);
  if (a.leaseTags) parts.push(`lease tag ${a.leaseTags.join(', ')}`);
  if (a.jurisdiction) parts.push(a.jurisdiction);
  if (a.kind) parts.push(a.kind);
  if (a.spaceTypes) parts.push(`space type ${a.spaceTypes.join(', ')}`);
  return `${p.id} v${p.version}: ${parts.length ? parts.join(' × ') : 'default for every lease'}`;
}

export interface PolicyCandidate {
  policyId: string;
  version: number;
  name: string | null;
  appliesTo: Policy['appliesTo'];
  /** `property × state`, `state × kind × space type`, `default` … */
  level: string;
  /** Every condition of `appliesTo` holds for the lease. */
  matched: boolean;
  /** Rank among the matching policies (higher wins); null when it does not match. */
  specificity: number | null;
  chosen: boolean;
  /** Each condition the policy sets, and whether it holds. */
  conditions: { condition: string; holds: boolean; detail: string }[];
  /** Why it was chosen, or why not, in a sentence. */
  outcome: string;
}

export interface PolicyExplanation {
  leaseId: string;
  propertyId: string;
  jurisdiction: string;
  kind: Property['kind'];
  spaceType: string | null;
  leaseTags: string[];
  /** The policy that governs the lease, or null when none applies. */
  policy: Policy | null;
  /** `storage-us-fl v2: US-FL × storage` — the same text as `policy preview` shows. */
  why: string | null;
  level: string | null;
  /** The choice in sentences: what matched, what it beat, and why. */
  reasons: string[];
  /** Every policy considered: the chosen one, then the other matches by rank, then the rest. */
  candidates: PolicyCandidate[];
}

/**
 * Which policy governs `lease` and why: every policy is checked condition by condition,
 * the matching ones ranked as `resolvePolicy` does (it always agrees with it), and the
 * reasons name what made the winner win over each runner-up.
 */
export function explainPolicyFor(
  lease: Lease,
  property: Property,
  policies: readonly Policy[],
): PolicyExplanation {
  const resolved = resolvePolicy(policies, lease, property);
  const chosen = resolved?.policy;
  const rows = policies.map((p) => {
    const checks = checkConditions(p, lease, property);
    const score = specificity(p, lease, property);
    return { p, checks, score };
  });
  const best = rows.find((r) => r.p === chosen);
  const candidates: PolicyCandidate[] = rows.map(({ p, checks, score }) => {
    const matched = score >= 0;
    const isChosen = p === chosen;
    let outcome: string;
    if (isChosen) {
      outcome =
        checks.length === 0
          ? 'chosen: the default policy (no conditions) and nothing more specific matches'
          : `chosen: the most specific match (${matchLevel(p)})`;
    } else if (!matched) {
      const failed = checks.find((c) => !c.holds);
      outcome = `does not apply: ${failed?.detail ?? 'a condition does not hold'}`;
    } else if (best && score < best.score) {
      outcome = `applies, but ${matchLevel(p)} is less specific than ${best.p.id}'s ${matchLevel(best.p)}`;
    } else if (best && p.id === best.p.id) {
      outcome = `applies, but version ${best.p.version} of the same policy is newer`;
    } else {
      outcome = `applies and is as specific as ${best?.p.id ?? 'the chosen policy'}; ${best?.p.id ?? 'it'} wins because its id sorts first`;
    }
    return {
      policyId: p.id,
      version: p.version,
      name: p.name ?? null,
      appliesTo: p.appliesTo,
      level: matchLevel(p),
      matched,
      specificity: matched ? score : null,
      chosen: isChosen,
      conditions: checks.map((c) => ({
        condition: c.condition,
        holds: c.holds,
        detail: c.detail,
      })),
      outcome,
    };
  });
  candidates.sort(
    (a, b) =>
      Number(b.chosen) - Number(a.chosen) ||
      (b.specificity ?? -1) - (a.specificity ?? -1) ||
      (a.policyId < b.policyId ? -1 : a.policyId > b.policyId ? 1 : b.version - a.version),
  );

  const reasons: string[] = [];
  const matches = candidates.filter((c) => c.matched);
  if (!chosen || !best) {
    reasons.push(
      policies.length === 0
        ? 'no policies are stored'
        : `none of the ${policies.length} policies applies to this lease, so it is not evaluated`,
    );
  } else {
    const held = best.checks.map((c) => c.detail);
    reasons.push(
      held.length === 0
        ? `${chosen.id} v${chosen.version} is the default policy (it sets no conditions)`
        : `${chosen.id} v${chosen.version} applies because ${held.join(', and ')}`,
    );
    const others = matches.filter((c) => !c.chosen);
    if (others.length === 0) reasons.push('no other policy applies to this lease');
    else
      for (const o of others)
        reasons.push(
          `${o.policyId} v${o.version} ${o.outcome.replace(/^applies/, 'also applies')}`,
        );
    if (chosen.appliesTo.propertyIds)
      reasons.push(
        `a property-level policy overrides the corporate workflows for property ${property.id}`,
      );
  }

  return {
    leaseId: lease.id,
    propertyId: property.id,
    jurisdiction: property.jurisdiction,
    kind: property.kind,
    spaceType: lease.spaceType ?? null,
    leaseTags: [...lease.tags],
    policy: chosen ?? null,
    why: resolved?.why ?? null,
    level: chosen ? matchLevel(chosen) : null,
    reasons,
    candidates,
  };
}
