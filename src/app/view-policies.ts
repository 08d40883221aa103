/**
 * Stored policies as the policy editor reads them (SPEC 3.3, 10): the current version of
 * each with its version count, one policy's current version as editable YAML and parsed,
 * and every version of one. Overrides of properties the caller does not see are left out
 * (policy-scope.ts), like ids that do not exist.
 */
import type { Policy } from '../domain/policy/schema.js';
import type { Visibility } from './lease-access.js';
import { policyVisible, scopeOf } from './policy-scope.js';
import { policySourceText } from './policy-source.js';
import type { PolicyStore, StoredPolicy } from './ports/policies.js';

function summary(s: StoredPolicy) {
  return {
    id: s.policy.id,
    version: s.version,
    name: s.policy.name ?? null,
    appliesTo: s.policy.appliesTo,
    mode: s.policy.mode,
    stages: s.policy.stages.length,
    author: s.author,
    createdAt: s.createdAt,
    scope: scopeOf(s.policy).kind,
  };
}

export type PolicySummary = ReturnType<typeof summary>;

/** Current versions by id, each with how many versions it has. */
export async function listPolicies(
  store: Pick<PolicyStore, 'history'>,
  v: Visibility,
): Promise<(PolicySummary & { versions: number })[]> {
  const history = await store.history(v.orgId);
  const byId = new Map<string, StoredPolicy[]>();
  for (const s of history) byId.set(s.policy.id, [...(byId.get(s.policy.id) ?? []), s]);
  return [...byId.values()]
    .map((versions) => ({
      latest: versions.reduce((a, b) => (b.version > a.version ? b : a)),
      versions,
    }))
    .filter(({ latest }) => policyVisible(v, latest.policy))
    .map(({ latest, versions }) => ({ ...summary(latest), versions: versions.length }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

async function versionsOf(store: Pick<PolicyStore, 'history'>, v: Visibility, id: string) {
  const versions = (await store.history(v.orgId))
    .filter((s) => s.policy.id === id)
    .sort((a, b) => b.version - a.version);
  const latest = versions[0];
  if (!latest || !policyVisible(v, latest.policy)) return undefined;
  return versions;
}

/** The current version: summary, YAML source and the parsed policy; undefined when not visible. */
export async function policyDetail(
  store: Pick<PolicyStore, 'history'>,
  v: Visibility,
  id: string,
): Promise<
  (PolicySummary & { versions: number; source: string; format: 'yaml'; policy: Policy }) | undefined
> {
  const versions = await versionsOf(store, v, id);
  if (!versions) return undefined;
  const latest = versions[0]!;
  return {
    ...summary(latest),
    versions: versions.length,
    format: 'yaml',
    source: policySourceText(latest.policy),
    policy: latest.policy,
  };
}

/** Every version of a policy, newest first; undefined when not visible. */
export async function policyVersions(
  store: Pick<PolicyStore, 'history'>,
  v: Visibility,
  id: string,
): Promise<PolicySummary[] | undefined> {
  const versions = await versionsOf(store, v, id);
  return versions?.map(summary);
}
