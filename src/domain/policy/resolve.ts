/**
 * Which policy governs a lease (SPEC 2): the most specific `appliesTo` wins —
 * propertyIds > leaseTags > jurisdiction × kind × spaceTypes > jurisdiction × kind >
 * kind > {}. Among equals, the higher version of the same id, then the id in code-unit
 * order, so the choice never depends on file order.
 */
import type { Lease, Property } from '../portfolio/schema.js';
import type { Policy } from './schema.js';

/** Specificity of `policy` for the lease, or -1 when it does not apply. */
export function specificity(policy: Policy, lease: Lease, property: Property): number {
  const a = policy.appliesTo;
  if (a.propertyIds && !a.propertyIds.includes(property.id)) return -1;
  if (a.leaseTags && !a.leaseTags.some((t) => lease.tags.includes(t))) return -1;
  if (a.jurisdiction && a.jurisdiction !== property.jurisdiction) return -1;
  if (a.kind && a.kind !== property.kind) return -1;
  if (a.spaceTypes && !(lease.spaceType !== undefined && a.spaceTypes.includes(lease.spaceType)))
    return -1;
  if (a.propertyIds) return 50;
  if (a.leaseTags) return 40;
  if (a.jurisdiction && a.kind && a.spaceTypes) return 30;
  if (a.jurisdiction && a.kind) return 20;
  if (a.jurisdiction) return 15;
  if (a.kind) return 10;
  return 0;
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
    if (
      best === undefined ||
      s > bestScore ||
      (s === bestScore && (p.id === best.id ? p.version > best.version : p.id < best.id))
    ) {
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
