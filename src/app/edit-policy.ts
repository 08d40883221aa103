/**
 * Applying a policy over the API (SPEC 9 `policy apply [--dry-run]`, 10): the text is read
 * and validated, the caller's right to store it checked (policy-scope.ts: admins any,
 * managers their properties' overrides), then the same use case as the CLI stores it as a
 * new version with the caller as author (app/apply-policy.ts). A dry run stores nothing and
 * lists, for the open cases the policy governs that the caller can see, the next action
 * now and with the new version.
 */
import type { PolicyFormat } from '../domain/policy/read.js';
import { applyPolicy, type ApplyPolicyDeps, type ApplyPolicyResult } from './apply-policy.js';
import { seesAllProperties, seesProperty, type Visibility } from './lease-access.js';
import { assertMayApply } from './policy-scope.js';
import { parsePolicySource } from './policy-source.js';
import type { Role } from './ports/auth.js';

export interface PolicyEditor extends Visibility {
  role: Role;
  /** Recorded as the version's author. */
  author: string;
}

export async function applyPolicyAs(
  deps: ApplyPolicyDeps,
  editor: PolicyEditor,
  input: { source: string; format?: PolicyFormat; dryRun: boolean },
): Promise<ApplyPolicyResult> {
  const policy = parsePolicySource(input.source, input.format);
  if (!input.dryRun) {
    const existing = (await deps.policies.current(editor.orgId)).find(
      (s) => s.policy.id === policy.id,
    )?.policy;
    assertMayApply(editor, policy, existing);
  }
  const result = await applyPolicy(deps, {
    orgId: editor.orgId,
    policy,
    author: editor.author,
    dryRun: input.dryRun,
  });
  if (seesAllProperties(editor) || result.openCases.length === 0) return result;
  const slice = await deps.portfolio.loadPortfolio(
    editor.orgId,
    result.openCases.map((c) => c.leaseId),
  );
  const visible = new Set(
    slice.leases.filter((l) => seesProperty(editor, l.propertyId)).map((l) => l.id),
  );
  return { ...result, openCases: result.openCases.filter((c) => visible.has(c.leaseId)) };
}
