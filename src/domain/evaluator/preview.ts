/**
 * `policy preview`: what each lease would get if Arrears took over on `at` — which policy
 * governs it and why, its past-due amount, the case it would be in, what fires that day
 * (catching up overdue stages per R4) and what comes next.
 */
import { addDays, type LocalDate } from '../dates.js';
import { allocate, pastDueOn } from '../ledger/allocation.js';
import type { Policy } from '../policy/schema.js';
import type { Portfolio } from '../portfolio/schema.js';
import { evaluateLease } from './lease-run.js';
import { leaseInputs } from './simulate.js';
import type { EpisodeSummary, PlannedAction } from './types.js';

export interface LeasePreview {
  leaseId: string;
  policy: { id: string; version: number; why: string } | null;
  pastDueCents: number;
  pastDueRentCents: number;
  case: EpisodeSummary | null;
  today: PlannedAction[];
  next: { date: LocalDate; stage: string; action: string; key: string } | null;
}

export interface PortfolioPreview {
  at: LocalDate;
  leases: LeasePreview[];
}

/** How far ahead `next` looks. */
const HORIZON_DAYS = 120;

export function previewPortfolio(
  portfolio: Portfolio,
  policies: readonly Policy[],
  at: LocalDate,
): PortfolioPreview {
  const { inputs, extras } = leaseInputs(portfolio, policies);
  const byLease = new Map(inputs.map((i) => [i.lease.id, i]));
  const leases: LeasePreview[] = portfolio.leases.map((lease) => {
    const input = byLease.get(lease.id);
    if (!input) {
      return {
        leaseId: lease.id,
        policy: null,
        pastDueCents: 0,
        pastDueRentCents: 0,
        case: null,
        today: [],
        next: null,
      };
    }
    const pd = pastDueOn(
      allocate(input.ledger.filter((e) => e.date <= at)),
      at,
      new Set(input.policy.trigger.categories),
    );
    const t = evaluateLease(input, { from: at, to: addDays(at, HORIZON_DAYS) });
    const open =
      t.episodes.find((e) => e.opened <= at && (e.closed === null || e.closed > at)) ?? null;
    const nextAction = t.actions.find((a) => a.date > at && a.status === 'due');
    return {
      leaseId: lease.id,
      policy: {
        id: input.policy.id,
        version: input.policy.version,
        why: extras.policyByLease.get(lease.id)?.why ?? '',
      },
      pastDueCents: pd.pastDueCents,
      pastDueRentCents: pd.pastDueRentCents,
      case: open,
      today: t.actions.filter((a) => a.date === at),
      next: nextAction
        ? {
            date: nextAction.date,
            stage: nextAction.stage,
            action: nextAction.action,
            key: nextAction.key,
          }
        : null,
    };
  });
  return { at, leases };
}
