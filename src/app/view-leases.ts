/**
 * Leases as staff and owners read them (SPEC 2, 10): the list with each lease's balance
 * and past-due amount, one lease with its tenants, property and current case, and its
 * ledger with a running balance. Every read is scoped to the caller (lease-access.ts).
 *
 * Balances are as of the lease's local today (the property's time zone): the ledger
 * balance of the entries in effect (R1: `charges − payments/credits/write-offs`, reversed
 * entries out), the past-due amount of the categories the governing policy counts
 * (default rent, fee, utility, other), and the payments and credits not allocated to any
 * charge.
 */
import { allocate, pastDueOn } from '../domain/ledger/allocation.js';
import { resolvePolicy } from '../domain/policy/resolve.js';
import type { Policy } from '../domain/policy/schema.js';
import type { LedgerEntry, Lease, Property } from '../domain/portfolio/schema.js';
import type { CaseRecord } from '../domain/reports/report-data.js';
import { epochToLocal } from '../domain/time.js';
import { visibleLease, type Visibility } from './lease-access.js';
import type { Clock } from './ports/clock.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';

/** Lease ids and cases as lists read them (storage/repos/lease-directory-repo.ts). */
export interface LeaseDirectory {
  /**
   * Lease ids of the organisation in id order, after `after` (exclusive), at most `limit`;
   * only those of `propertyIds` when given (null: all), of `propertyId`, of `status`.
   */
  leaseIds(
    orgId: string,
    query: {
      propertyIds?: readonly string[] | null;
      propertyId?: string;
      status?: string;
      after?: string;
      limit: number;
    },
  ): Promise<string[]>;
  /** The cases (episodes) of these leases, by lease then episode. */
  casesOf(orgId: string, leaseIds: readonly string[]): Promise<CaseRecord[]>;
}

export interface LeaseViewDeps {
  clock: Clock;
  portfolio: Pick<PortfolioStore, 'loadPortfolio'>;
  policies: Pick<PolicyStore, 'current'>;
  leases: LeaseDirectory;
}

/** Categories a lease's past-due amount counts when no policy governs it. */
const DEFAULT_CATEGORIES: readonly string[] = ['rent', 'fee', 'utility', 'other'];

export interface LeaseStanding {
  /** The lease's local today: the date the amounts are for. */
  asOf: string;
  balanceCents: number;
  pastDueCents: number;
  unappliedCreditCents: number;
  /** Due date of the oldest unpaid past-due charge, or null. */
  oldestPastDueDate: string | null;
}

/** The balance, past-due amount and unapplied credit of a lease on its local today. */
export function standingOf(
  ledger: readonly LedgerEntry[],
  property: Property | undefined,
  policy: Policy | undefined,
  nowMs: number,
): LeaseStanding {
  const asOf = epochToLocal(nowMs, property?.timezone ?? 'UTC').date;
  const allocation = allocate(ledger.filter((e) => e.date <= asOf));
  const pastDue = pastDueOn(
    allocation,
    asOf,
    new Set(policy?.trigger.categories ?? DEFAULT_CATEGORIES),
  );
  return {
    asOf,
    balanceCents: allocation.balanceCents,
    pastDueCents: pastDue.pastDueCents,
    unappliedCreditCents: allocation.unappliedCents,
    oldestPastDueDate: pastDue.oldest?.dueDate ?? null,
  };
}

export function caseJson(c: CaseRecord) {
  return {
    episode: c.episode,
    open: c.closed === null,
    opened: c.opened,
    anchor: c.anchor,
    closed: c.closed,
    outcome: c.outcome,
    policyId: c.policyId,
    policyVersion: c.policyVersion,
  };
}

export type CaseJson = ReturnType<typeof caseJson>;

/** The case a lease is in now: its open case, else null. */
function currentCase(cases: readonly CaseRecord[]): CaseJson | null {
  const open = cases.filter((c) => c.closed === null).sort((a, b) => b.episode - a.episode)[0];
  return open ? caseJson(open) : null;
}

function leaseJson(l: Lease) {
  return {
    id: l.id,
    propertyId: l.propertyId,
    unit: l.unit,
    spaceType: l.spaceType ?? null,
    rentCents: l.rentCents,
    status: l.status ?? null,
    tags: l.tags,
    tenantIds: l.tenantIds,
  };
}

export interface LeaseListQuery {
  propertyId?: string;
  status?: string;
  /** The last lease id of the previous page. */
  after?: string;
  limit: number;
}

/** A page of leases (by id) with their standing; `limit + 1` rows to know whether more follow. */
export async function listLeases(deps: LeaseViewDeps, v: Visibility, query: LeaseListQuery) {
  const ids = await deps.leases.leaseIds(v.orgId, {
    propertyIds: v.propertyIds ?? null,
    ...(query.propertyId !== undefined ? { propertyId: query.propertyId } : {}),
    ...(query.status !== undefined ? { status: query.status } : {}),
    ...(query.after !== undefined ? { after: query.after } : {}),
    limit: query.limit + 1,
  });
  if (ids.length === 0) return [];
  const [slice, policies, cases] = await Promise.all([
    deps.portfolio.loadPortfolio(v.orgId, ids),
    deps.policies.current(v.orgId),
    deps.leases.casesOf(v.orgId, ids),
  ]);
  const nowMs = deps.clock.now();
  const properties = new Map(slice.properties.map((p) => [p.id, p]));
  const tenants = new Map(slice.tenants.map((t) => [t.id, t]));
  const ledger = byLease(slice.ledger);
  const casesByLease = new Map<string, CaseRecord[]>();
  for (const c of cases) casesByLease.set(c.leaseId, [...(casesByLease.get(c.leaseId) ?? []), c]);
  const stored = policies.map((s) => s.policy);
  return slice.leases.map((lease) => {
    const property = properties.get(lease.propertyId);
    const policy = property ? resolvePolicy(stored, lease, property)?.policy : undefined;
    return {
      ...leaseJson(lease),
      property: property ? { id: property.id, name: property.name } : null,
      tenants: lease.tenantIds.flatMap((id) => {
        const t = tenants.get(id);
        return t ? [{ id: t.id, name: t.name }] : [];
      }),
      ...standingOf(ledger.get(lease.id) ?? [], property, policy, nowMs),
      currentCase: currentCase(casesByLease.get(lease.id) ?? []),
    };
  });
}

function byLease(entries: readonly LedgerEntry[]): Map<string, LedgerEntry[]> {
  const out = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    const list = out.get(e.leaseId);
    if (list) list.push(e);
    else out.set(e.leaseId, [e]);
  }
  return out;
}

/** One lease: the lease, its tenants with their contact fields, its property, its cases. */
export async function leaseDetail(deps: LeaseViewDeps, v: Visibility, leaseId: string) {
  const found = await visibleLease(deps.portfolio, v, leaseId);
  if (!found) return undefined;
  const { lease, property, portfolio } = found;
  const [policies, cases] = await Promise.all([
    deps.policies.current(v.orgId),
    deps.leases.casesOf(v.orgId, [leaseId]),
  ]);
  const resolved = property
    ? resolvePolicy(
        policies.map((s) => s.policy),
        lease,
        property,
      )
    : undefined;
  const tenants = new Map(portfolio.tenants.map((t) => [t.id, t]));
  return {
    lease: {
      ...leaseJson(lease),
      terms: lease.terms ?? null,
      autopay: lease.autopay ?? null,
      startDate: lease.startDate ?? null,
      endDate: lease.endDate ?? null,
      sourceId: lease.sourceId ?? null,
    },
    property: property ? propertyJson(property) : null,
    tenants: lease.tenantIds.flatMap((id) => {
      const t = tenants.get(id);
      return t
        ? [
            {
              id: t.id,
              name: t.name,
              role: t.role,
              email: t.email ?? null,
              phone: t.phone ?? null,
              address: t.address ?? null,
              language: t.language,
              timezone: t.timezone ?? null,
              consent: t.consent,
              military: t.military ?? null,
            },
          ]
        : [];
    }),
    standing: standingOf(
      portfolio.ledger.filter((e) => e.leaseId === leaseId),
      property,
      resolved?.policy,
      deps.clock.now(),
    ),
    policy: resolved
      ? { id: resolved.policy.id, version: resolved.policy.version, why: resolved.why }
      : null,
    currentCase: currentCase(cases),
    cases: cases.map(caseJson),
  };
}

function propertyJson(p: Property) {
  return {
    id: p.id,
    name: p.name,
    timezone: p.timezone,
    jurisdiction: p.jurisdiction,
    kind: p.kind,
    ownerId: p.ownerId ?? null,
    runAt: p.runAt,
    address: p.address ?? null,
    legalName: p.legalName ?? null,
    phone: p.phone ?? null,
    email: p.email ?? null,
  };
}

const SIGN: Record<LedgerEntry['type'], number> = {
  charge: 1,
  payment: -1,
  credit: -1,
  writeoff: -1,
  reversal: 0,
};

/**
 * A lease's ledger by date then id, each entry with the ledger balance after it: a reversal
 * undoes the entry it reverses (R1), so the last running balance of the entries in effect is
 * the lease's balance.
 */
export function ledgerWithBalance(entries: readonly LedgerEntry[]) {
  const sorted = [...entries].sort((a, b) =>
    a.date !== b.date ? (a.date < b.date ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const byId = new Map(sorted.map((e) => [e.id, e]));
  const reversedBy = new Set<string>();
  let running = 0;
  return sorted.map((e) => {
    let effect = SIGN[e.type] * e.amountCents;
    if (e.type === 'reversal' && e.reverses !== undefined) {
      const target = byId.get(e.reverses);
      // An entry reversed twice is undone once; a reversal of an unknown id changes nothing.
      if (target && target.type !== 'reversal' && !reversedBy.has(target.id)) {
        reversedBy.add(target.id);
        effect = -SIGN[target.type] * target.amountCents;
      }
    }
    running += effect;
    return {
      id: e.id,
      date: e.date,
      type: e.type,
      category: e.category ?? null,
      amountCents: e.amountCents,
      dueDate: e.dueDate ?? null,
      reverses: e.reverses ?? null,
      appliesTo: e.appliesTo ?? null,
      memo: e.memo ?? null,
      runningBalanceCents: running,
    };
  });
}

export type LedgerRow = ReturnType<typeof ledgerWithBalance>[number];

/** A lease's ledger with running balances, and its standing today; undefined when not visible. */
export async function leaseLedger(
  deps: Pick<LeaseViewDeps, 'clock' | 'portfolio' | 'policies'>,
  v: Visibility,
  leaseId: string,
): Promise<{ rows: LedgerRow[]; standing: LeaseStanding } | undefined> {
  const found = await visibleLease(deps.portfolio, v, leaseId);
  if (!found) return undefined;
  const entries = found.portfolio.ledger.filter((e) => e.leaseId === leaseId);
  const policies = (await deps.policies.current(v.orgId)).map((s) => s.policy);
  const policy = found.property
    ? resolvePolicy(policies, found.lease, found.property)?.policy
    : undefined;
  return {
    rows: ledgerWithBalance(entries),
    standing: standingOf(entries, found.property, policy, deps.clock.now()),
  };
}
