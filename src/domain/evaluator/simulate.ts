/**
 * `simulate`: every lease of a portfolio, day by day over [from, to], under the policy
 * that governs it. Pure: no database, no clock.
 */
import type { LocalDate } from '../dates.js';
import { resolvePolicy } from '../policy/resolve.js';
import type { Policy } from '../policy/schema.js';
import type { Lease, Portfolio, PortfolioEvent, Tenant } from '../portfolio/schema.js';
import { evaluateLease, type LeaseInput } from './lease-run.js';
import type { EpisodeSummary, PlannedAction, TimelineEvent } from './types.js';

export interface SimulationResult {
  from: LocalDate;
  to: LocalDate;
  actions: PlannedAction[];
  episodes: EpisodeSummary[];
  events: TimelineEvent[];
}

export interface SimulationExtras {
  /** Leases no policy applies to: they are not evaluated. */
  unmatched: string[];
  /** Which policy each lease got, and why. */
  policyByLease: Map<string, { policyId: string; version: number; why: string }>;
}

/** Split a portfolio into one evaluation input per lease. */
export function leaseInputs(
  portfolio: Portfolio,
  policies: readonly Policy[],
): { inputs: LeaseInput[]; extras: SimulationExtras } {
  const properties = new Map(portfolio.properties.map((p) => [p.id, p]));
  const tenants = new Map(portfolio.tenants.map((t) => [t.id, t]));
  const ledgerByLease = new Map<string, Portfolio['ledger']>();
  for (const e of portfolio.ledger) {
    const list = ledgerByLease.get(e.leaseId);
    if (list) list.push(e);
    else ledgerByLease.set(e.leaseId, [e]);
  }
  const leasesByTenant = new Map<string, Lease[]>();
  const leasesByProperty = new Map<string, Lease[]>();
  for (const l of portfolio.leases) {
    for (const t of l.tenantIds) push(leasesByTenant, t, l);
    push(leasesByProperty, l.propertyId, l);
  }
  const leaseById = new Map(portfolio.leases.map((l) => [l.id, l]));
  const eventsByLease = new Map<string, PortfolioEvent[]>();
  for (const e of portfolio.events) for (const l of reach(e)) push(eventsByLease, l.id, e);

  function reach(e: PortfolioEvent): Lease[] {
    const scope = e.type === 'hold' || e.type === 'release' ? e.scope : undefined;
    const own = e.leaseId !== undefined ? leaseById.get(e.leaseId) : undefined;
    if (scope === 'organisation') return portfolio.leases;
    if (scope === 'property') {
      const pid = e.propertyId ?? own?.propertyId;
      return pid ? (leasesByProperty.get(pid) ?? []) : [];
    }
    if (scope === 'tenant' && e.tenantId) return leasesByTenant.get(e.tenantId) ?? [];
    if (own) return [own];
    if (e.tenantId) return leasesByTenant.get(e.tenantId) ?? [];
    if (e.propertyId) return leasesByProperty.get(e.propertyId) ?? [];
    return portfolio.leases;
  }

  const casesByLease = new Map<string, Portfolio['cases']>();
  for (const c of portfolio.cases) push(casesByLease, c.leaseId, c);

  const inputs: LeaseInput[] = [];
  const extras: SimulationExtras = { unmatched: [], policyByLease: new Map() };
  for (const lease of portfolio.leases) {
    const property = properties.get(lease.propertyId);
    if (!property) continue; // the reader rejects this
    const resolved = resolvePolicy(policies, lease, property);
    if (!resolved) {
      extras.unmatched.push(lease.id);
      continue;
    }
    extras.policyByLease.set(lease.id, {
      policyId: resolved.policy.id,
      version: resolved.policy.version,
      why: resolved.why,
    });
    inputs.push({
      lease,
      property,
      contacts: lease.tenantIds.map((id) => tenants.get(id)).filter((t): t is Tenant => !!t),
      policy: resolved.policy,
      ledger: ledgerByLease.get(lease.id) ?? [],
      events: eventsByLease.get(lease.id) ?? [],
      cases: casesByLease.get(lease.id) ?? [],
    });
  }
  return { inputs, extras };
}

export function simulate(
  portfolio: Portfolio,
  policies: readonly Policy[],
  from: LocalDate,
  to: LocalDate,
): SimulationResult & { extras: SimulationExtras } {
  const { inputs, extras } = leaseInputs(portfolio, policies);
  const actions: PlannedAction[] = [];
  const episodes: EpisodeSummary[] = [];
  const events: TimelineEvent[] = [];
  for (const input of inputs) {
    const t = evaluateLease(input, { from, to });
    actions.push(...t.actions);
    episodes.push(...t.episodes);
    events.push(...t.events);
  }
  actions.sort((a, b) => cmp(a.at, b.at) || cmp(a.leaseId, b.leaseId) || cmp(a.key, b.key));
  episodes.sort((a, b) => cmp(a.leaseId, b.leaseId) || a.episode - b.episode);
  // Stable: events of one lease keep their causal order within a day.
  events.sort((a, b) => cmp(a.date, b.date) || cmp(a.leaseId, b.leaseId));
  return { from, to, actions, episodes, events, extras };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function push<K, V>(map: Map<K, V[]>, k: K, v: V): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}
