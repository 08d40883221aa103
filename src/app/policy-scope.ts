/**
 * Corporate policies and property overrides (SPEC 10: "Corporate policies are edited by
 * admins only; managers edit their properties' overrides"). The policy model has no flag
 * for this; what a policy governs decides it: a policy whose `appliesTo.propertyIds` names
 * specific properties is an override of those properties (it outranks every other match,
 * domain/policy/resolve.ts), anything else — by kind, jurisdiction, space type, lease tag
 * or the default — is corporate.
 *
 * Admins apply any policy. A manager applies an override only: every property it names
 * must be one the manager sees, and the id must not already belong to a corporate policy
 * or to an override of properties the manager does not see. Everyone else applies none.
 */
import { AppError } from '../domain/errors.js';
import type { Policy } from '../domain/policy/schema.js';
import { seesAllProperties, seesProperty, type Visibility } from './lease-access.js';
import type { Role } from './ports/auth.js';

export type PolicyScope = { kind: 'corporate' } | { kind: 'override'; propertyIds: string[] };

export function scopeOf(policy: Policy): PolicyScope {
  const ids = policy.appliesTo.propertyIds;
  return ids && ids.length > 0
    ? { kind: 'override', propertyIds: [...ids] }
    : { kind: 'corporate' };
}

/**
 * Whether the caller may read `policy`: corporate policies and overrides of at least one
 * property the caller sees (everything when it sees every property).
 */
export function policyVisible(v: Visibility, policy: Policy): boolean {
  const scope = scopeOf(policy);
  return (
    scope.kind === 'corporate' ||
    seesAllProperties(v) ||
    scope.propertyIds.some((id) => seesProperty(v, id))
  );
}

/** Throws `forbidden` unless the caller may store `candidate` (over `existing`, its current version). */
export function assertMayApply(
  caller: Visibility & { role: Role },
  candidate: Policy,
  existing: Policy | undefined,
): void {
  if (caller.role === 'admin') return;
  const fail = (why: string) => new AppError('forbidden', why);
  if (caller.role !== 'manager') throw fail(`the ${caller.role} role may not apply policies`);
  const scope = scopeOf(candidate);
  if (scope.kind === 'corporate')
    throw fail(
      `policy ${candidate.id} is a corporate policy (its appliesTo names no propertyIds): only admins apply it; a manager applies an override whose appliesTo.propertyIds lists its properties`,
    );
  const outside = scope.propertyIds.filter((id) => !seesProperty(caller, id));
  if (outside.length > 0)
    throw fail(`policy ${candidate.id} names properties you do not manage: ${outside.join(', ')}`);
  if (existing) {
    const before = scopeOf(existing);
    if (before.kind === 'corporate')
      throw fail(
        `policy ${existing.id} is a corporate policy: only admins change it; give your override its own id`,
      );
    const theirs = before.propertyIds.filter((id) => !seesProperty(caller, id));
    if (theirs.length > 0)
      throw fail(
        `policy ${existing.id} is an override of properties you do not manage (${theirs.join(', ')}); give your override its own id`,
      );
  }
}
