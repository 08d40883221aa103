/**
 * The holds of one lease (SPEC R8, R12): every hold, promise, payment plan and dispute
 * placed by its stored events up to a date, whether each is still in force, how promises
 * and plans ended, and the events themselves (later-dated ones included). The holds are
 * replayed by the same pure code readiness and reports use (domain/readiness/lease-facts.ts),
 * under the policy that governs the lease (its trigger categories decide whether a promise
 * was kept).
 */
import { leaseInputs } from '../domain/evaluator/simulate.js';
import { inForce } from '../domain/evaluator/holds.js';
import { policy as policySchema, type Policy } from '../domain/policy/schema.js';
import type { PortfolioEvent } from '../domain/portfolio/schema.js';
import { leaseFactsOn, type DerivedHold } from '../domain/readiness/lease-facts.js';
import { epochToLocal } from '../domain/time.js';
import { visibleLease, type Visibility } from './lease-access.js';
import type { Clock } from './ports/clock.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';

export interface LeaseHoldsDeps {
  clock: Clock;
  portfolio: Pick<PortfolioStore, 'loadPortfolio'>;
  policies: Pick<PolicyStore, 'current'>;
}

/** Event types that place or end a hold. */
export const HOLD_EVENT_TYPES: readonly PortfolioEvent['type'][] = [
  'hold',
  'release',
  'promise',
  'plan',
  'dispute',
  'status',
];

/** Stands in for a policy when none governs the lease: the default trigger categories. */
const NO_POLICY: Policy = policySchema.parse({ id: '(none)', stages: [{ id: 'none', day: 0 }] });

/**
 * On a date: `active` (in force), `settled` (a promise kept or broken, a plan completed or
 * broken: its outcome says which), `released` (ended by a release event) or `expired`
 * (past its `until`).
 */
export type HoldState = 'active' | 'settled' | 'released' | 'expired';

const SETTLED = new Set(['kept', 'broken', 'completed']);

function holdJson(h: DerivedHold, at: string) {
  const outcome = h.promiseOutcome ?? h.planOutcome;
  const state: HoldState = inForce(h, at)
    ? 'active'
    : outcome !== undefined && SETTLED.has(outcome)
      ? 'settled'
      : h.releasedOn !== undefined && h.releasedOn <= at
        ? 'released'
        : 'expired';
  return {
    type: h.type,
    scope: h.scope,
    chargeId: h.chargeId ?? null,
    start: h.start,
    until: h.until ?? null,
    releasedOn: h.releasedOn ?? null,
    state,
    origin: h.origin,
    note: h.note ?? null,
    promise: h.promise ? { ...h.promise, outcome: h.promiseOutcome ?? null } : null,
    plan: h.plan ? { ...h.plan, outcome: h.planOutcome ?? null } : null,
  };
}

export type HoldJson = ReturnType<typeof holdJson>;

/** The lease's holds as of `at` (default: its local today), or undefined when not visible. */
export async function leaseHolds(
  deps: LeaseHoldsDeps,
  v: Visibility,
  leaseId: string,
  at?: string,
): Promise<
  { leaseId: string; at: string; holds: HoldJson[]; events: PortfolioEvent[] } | undefined
> {
  const found = await visibleLease(deps.portfolio, v, leaseId);
  if (!found) return undefined;
  const date = at ?? epochToLocal(deps.clock.now(), found.property?.timezone ?? 'UTC').date;
  const stored = (await deps.policies.current(v.orgId)).map((s) => s.policy);
  const slice = { ...found.portfolio, leases: [found.lease] };
  let input = leaseInputs(slice, stored).inputs[0];
  input ??= leaseInputs(slice, [NO_POLICY]).inputs[0];
  if (!input) return { leaseId, at: date, holds: [], events: [] };
  const facts = leaseFactsOn(input, date);
  return {
    leaseId,
    at: date,
    holds: facts.holds.map((h) => holdJson(h, date)),
    events: input.events.filter((e) => HOLD_EVENT_TYPES.includes(e.type)),
  };
}
