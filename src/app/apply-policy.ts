/**
 * `arrears policy apply`: store a policy as a new version. Keys never contain a version
 * (R7), so open cases continue under the new version from their next evaluation and
 * stages already fired stay fired. `--dry-run` shows, for each open case the policy
 * governs, the next action now and with the new version.
 */
import { addDays } from '../domain/dates.js';
import { evaluateLease } from '../domain/evaluator/lease-run.js';
import { leaseInputs } from '../domain/evaluator/simulate.js';
import type { Policy } from '../domain/policy/schema.js';
import { epochToLocal } from '../domain/time.js';
import type { Clock } from './ports/clock.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type { ScanStateStore } from './ports/scan.js';
import { HORIZON_DAYS } from './scan-portfolio.js';

export interface ApplyPolicyDeps {
  clock: Clock;
  policies: PolicyStore;
  portfolio: PortfolioStore;
  state: ScanStateStore;
}

type NextAction = { date: string; stage: string; action: string; key: string } | null;

export interface ApplyPolicyResult {
  stored: boolean;
  policyId: string;
  version: number;
  openCases: { leaseId: string; episode: number; before: NextAction; after: NextAction }[];
}

export async function applyPolicy(
  deps: ApplyPolicyDeps,
  input: { orgId: string; policy: Policy; author: string; dryRun: boolean },
): Promise<ApplyPolicyResult> {
  const nowMs = deps.clock.now();
  const current = (await deps.policies.current(input.orgId)).map((s) => s.policy);
  const existing = current.find((p) => p.id === input.policy.id);
  const version = (existing?.version ?? 0) + 1;
  const candidate = { ...input.policy, version };
  const next = [...current.filter((p) => p.id !== candidate.id), candidate];

  const open = await deps.state.openCases(input.orgId);
  const openCases: ApplyPolicyResult['openCases'] = [];
  if (open.length > 0) {
    const portfolio = await deps.portfolio.loadPortfolio(
      input.orgId,
      open.map((o) => o.leaseId),
    );
    const openByLease = new Map(open.map((o) => [o.leaseId, o]));
    const before = new Map(leaseInputs(portfolio, current).inputs.map((i) => [i.lease.id, i]));
    const after = leaseInputs(portfolio, next).inputs;
    for (const input2 of after) {
      if (
        input2.policy.id !== candidate.id &&
        before.get(input2.lease.id)?.policy.id !== candidate.id
      )
        continue;
      const o = openByLease.get(input2.lease.id)!;
      const today = epochToLocal(nowMs, input2.property.timezone).date;
      const window = { from: o.trackingFrom ?? today, to: addDays(today, HORIZON_DAYS) };
      const firstDue = (inp: typeof input2 | undefined): NextAction => {
        if (!inp) return null;
        const a = evaluateLease(inp, window).actions.find(
          (x) => x.status === 'due' && Date.parse(x.at) > nowMs,
        );
        return a ? { date: a.date, stage: a.stage, action: a.action, key: a.key } : null;
      };
      openCases.push({
        leaseId: o.leaseId,
        episode: o.episode,
        before: firstDue(before.get(o.leaseId)),
        after: firstDue(input2),
      });
    }
  }
  if (input.dryRun) return { stored: false, policyId: candidate.id, version, openCases };
  const saved = await deps.policies.save(
    input.orgId,
    input.policy,
    input.author,
    new Date(nowMs).toISOString(),
  );
  return { stored: true, policyId: candidate.id, version: saved.version, openCases };
}
