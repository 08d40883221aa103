/**
 * The policy editor's preview (SPEC 10 "a simulated 90-day preview"): what one stored
 * lease would go through, day by day, if the policy being edited were applied — the pure
 * simulator (`arrears simulate`) over the lease's stored data and the stored policies with
 * the edited one in place of its current version. Nothing is written.
 */
import { addDays } from '../domain/dates.js';
import { AppError } from '../domain/errors.js';
import { simulate } from '../domain/evaluator/simulate.js';
import type { PolicyFormat } from '../domain/policy/read.js';
import { epochToLocal } from '../domain/time.js';
import { noLease, visibleLease, type Visibility } from './lease-access.js';
import { parsePolicySource } from './policy-source.js';
import type { Clock } from './ports/clock.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';

export interface PreviewDeps {
  clock: Clock;
  portfolio: Pick<PortfolioStore, 'loadPortfolio'>;
  policies: Pick<PolicyStore, 'current'>;
}

export interface PreviewInput {
  source: string;
  format?: PolicyFormat;
  leaseId: string;
  /** First local date (default: the lease's today). */
  from?: string;
  /** Days simulated, `from` included (default 90). */
  days?: number;
}

export const DEFAULT_PREVIEW_DAYS = 90;

export async function previewPolicy(deps: PreviewDeps, v: Visibility, input: PreviewInput) {
  const candidate = parsePolicySource(input.source, input.format);
  const found = await visibleLease(deps.portfolio, v, input.leaseId);
  if (!found) throw new AppError('not_found', noLease(input.leaseId));
  const stored = (await deps.policies.current(v.orgId)).map((s) => s.policy);
  const existing = stored.find((p) => p.id === candidate.id);
  const version = (existing?.version ?? 0) + 1;
  const edited = { ...candidate, version };
  const policies = [...stored.filter((p) => p.id !== edited.id), edited];

  const from = input.from ?? epochToLocal(deps.clock.now(), found.property?.timezone ?? 'UTC').date;
  const to = addDays(from, (input.days ?? DEFAULT_PREVIEW_DAYS) - 1);
  const slice = { ...found.portfolio, leases: [found.lease] };
  const result = simulate(slice, policies, from, to);
  const chosen = result.extras.policyByLease.get(input.leaseId);
  return {
    leaseId: input.leaseId,
    from,
    to,
    policy: chosen ? { id: chosen.policyId, version: chosen.version, why: chosen.why } : null,
    candidate: {
      id: edited.id,
      version,
      /** Whether the edited policy is the one that governs this lease. */
      governs: chosen?.policyId === edited.id,
    },
    actions: result.actions.filter((a) => a.leaseId === input.leaseId),
    episodes: result.episodes.filter((e) => e.leaseId === input.leaseId),
    events: result.events.filter((e) => e.leaseId === input.leaseId),
  };
}
