/**
 * What several reports share: looking leases, tenants, properties, policies, cases and
 * outbox items up from a `ReportData`, and the few definitions that must agree between
 * reports (a case's current stage and track, a lease's past-due amount, a period).
 *
 * Definitions:
 *
 * - **Past due** on local date D (delinquency, pipeline): the evaluator's R1 amount — unpaid
 *   charges of the lease policy's trigger categories with `D > dueDate`, less charges held
 *   by a charge-scoped hold or settled by a `close` event (readiness/lease-facts.ts). A
 *   lease no policy covers counts rent, fees, utilities and other charges (not deposits).
 * - **Open case** on D: a stored episode with `opened <= D` and not closed by D
 *   (`closed === null || closed > D`).
 * - **Current stage** of a case on D: the stage of its latest outbox item planned for D or
 *   earlier — by the item's execution date, then the stage's order in the policy. Items the
 *   plan passed over (`skipped` as `superseded` or `not_applicable`, `expired`) do not count,
 *   nor the engine's own `$…` stages (a re-serve task). Null when nothing was planned yet.
 * - **Track** of a case on D: `collections` when the case was handed to a collections
 *   agency (an `escalate` to `collections_agency` approved or further) or the lease has ended
 *   (status moved_out, ended, terminated, vacated, former, past, closed: only collection is
 *   left); else `lien` for a self-storage property (the lien-sale process); else `eviction`
 *   (residential and commercial possession: notice, then unlawful-detainer filing).
 *
 * Pure.
 */
import { addDays, daysBetween, type LocalDate } from '../dates.js';
import type { LeaseInput } from '../evaluator/lease-run.js';
import { leaseInputs } from '../evaluator/simulate.js';
import { allocate, pastDueOn, type Charge } from '../ledger/allocation.js';
import type { Cents } from '../money.js';
import type { Policy } from '../policy/schema.js';
import type { Lease, LedgerEntry, Property, Tenant } from '../portfolio/schema.js';
import { leaseFactsOn, type LeaseFacts } from '../readiness/lease-facts.js';
import { epochToLocal } from '../time.js';
import type { CaseRecord, OutboxRecord, ReportData } from './report-data.js';

export interface Period {
  from: LocalDate;
  to: LocalDate;
}

export const TRACKS = ['eviction', 'lien', 'collections'] as const;
export type Track = (typeof TRACKS)[number];

/** Categories counted when no policy covers a lease: everything but deposits. */
export const DEFAULT_CATEGORIES: ReadonlySet<string> = new Set(['rent', 'fee', 'utility', 'other']);

/** Lease statuses meaning the tenant has left. */
export const ENDED_LEASE_STATUSES: ReadonlySet<string> = new Set([
  'moved_out',
  'ended',
  'terminated',
  'vacated',
  'former',
  'past',
  'closed',
]);

/** Outbox statuses of an item that went ahead (or is about to): approved and beyond. */
export const GONE_AHEAD: ReadonlySet<string> = new Set([
  'approved',
  'dispatching',
  'sent',
  'delivered',
  'unknown',
]);

export interface StageInfo {
  id: string;
  name: string;
  /** Position in its policy (0 = first); a stage the policy no longer has sorts last. */
  order: number;
}

export interface LeasePastDue {
  pastDueCents: Cents;
  balanceCents: Cents;
  oldest?: Charge;
  /** The replayed facts, when a policy covers the lease. */
  facts?: LeaseFacts;
}

export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `n / d` rounded to four decimals, or null when `d` is 0. */
export function ratio(n: number, d: number): number | null {
  return d === 0 ? null : Math.round((n / d) * 10_000) / 10_000;
}

export function inPeriod(date: LocalDate, p: Period): boolean {
  return date >= p.from && date <= p.to;
}

/** The day before `date`. */
export const dayBefore = (date: LocalDate): LocalDate => addDays(date, -1);

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class ReportIndex {
  readonly leases: ReadonlyMap<string, Lease>;
  readonly properties: ReadonlyMap<string, Property>;
  readonly tenants: ReadonlyMap<string, Tenant>;
  readonly inputs: ReadonlyMap<string, LeaseInput>;
  private readonly policiesById: ReadonlyMap<string, Policy>;
  private readonly casesByLease = new Map<string, CaseRecord[]>();
  private readonly itemsByCase = new Map<string, OutboxRecord[]>();
  private readonly itemsByKey: ReadonlyMap<string, OutboxRecord>;
  private readonly factsCache = new Map<string, LeaseFacts>();
  private readonly ledgerByLease = new Map<string, LedgerEntry[]>();

  constructor(readonly data: ReportData) {
    const p = data.portfolio;
    this.leases = new Map(p.leases.map((l) => [l.id, l]));
    this.properties = new Map(p.properties.map((x) => [x.id, x]));
    this.tenants = new Map(p.tenants.map((t) => [t.id, t]));
    this.inputs = new Map(leaseInputs(p, data.policies).inputs.map((i) => [i.lease.id, i]));
    this.policiesById = new Map(data.policies.map((x) => [x.id, x]));
    for (const e of p.ledger) push(this.ledgerByLease, e.leaseId, e);
    for (const c of data.cases) push(this.casesByLease, c.leaseId, c);
    for (const list of this.casesByLease.values()) list.sort((a, b) => a.episode - b.episode);
    for (const i of data.outbox) push(this.itemsByCase, `${i.leaseId}\u0000${i.episode}`, i);
    this.itemsByKey = new Map(data.outbox.map((i) => [i.key, i]));
  }

  /** The primary tenant's name (the first primary on the lease, else its first tenant). */
  tenantName(lease: Lease): string {
    const people = lease.tenantIds.map((id) => this.tenants.get(id)).filter((t) => !!t);
    return (people.find((t) => t.role === 'primary') ?? people[0])?.name ?? '';
  }

  propertyName(lease: Lease): string {
    return this.properties.get(lease.propertyId)?.name ?? '';
  }

  timezone(leaseId: string): string {
    const lease = this.leases.get(leaseId);
    return (lease && this.properties.get(lease.propertyId)?.timezone) ?? 'UTC';
  }

  /** The local date of an instant at the lease's property. */
  localDate(instant: string, leaseId: string): LocalDate {
    return epochToLocal(Date.parse(instant), this.timezone(leaseId)).date;
  }

  item(key: string): OutboxRecord | undefined {
    return this.itemsByKey.get(key);
  }

  /** The lease's facts on `date` (replayed once per lease and date). */
  facts(leaseId: string, date: LocalDate): LeaseFacts | undefined {
    const input = this.inputs.get(leaseId);
    if (!input) return undefined;
    const k = `${leaseId}\u0000${date}`;
    let f = this.factsCache.get(k);
    if (!f) {
      f = leaseFactsOn(input, date);
      this.factsCache.set(k, f);
    }
    return f;
  }

  /** Trigger categories of the lease's policy (DEFAULT_CATEGORIES without one). */
  categories(leaseId: string): ReadonlySet<string> {
    const input = this.inputs.get(leaseId);
    return input ? new Set(input.policy.trigger.categories) : DEFAULT_CATEGORIES;
  }

  pastDue(leaseId: string, date: LocalDate): LeasePastDue {
    const facts = this.facts(leaseId, date);
    if (facts)
      return {
        pastDueCents: facts.pastDue.pastDueCents,
        balanceCents: facts.allocation.balanceCents,
        ...(facts.pastDue.oldest ? { oldest: facts.pastDue.oldest } : {}),
        facts,
      };
    const allocation = allocate(
      (this.ledgerByLease.get(leaseId) ?? []).filter((e) => e.date <= date),
    );
    const pd = pastDueOn(allocation, date, DEFAULT_CATEGORIES);
    return {
      pastDueCents: pd.pastDueCents,
      balanceCents: allocation.balanceCents,
      ...(pd.oldest ? { oldest: pd.oldest } : {}),
    };
  }

  cases(leaseId: string): readonly CaseRecord[] {
    return this.casesByLease.get(leaseId) ?? [];
  }

  openCase(leaseId: string, date: LocalDate): CaseRecord | undefined {
    return this.cases(leaseId).find(
      (c) => c.opened <= date && (c.closed === null || c.closed > date),
    );
  }

  items(leaseId: string, episode: number): readonly OutboxRecord[] {
    return this.itemsByCase.get(`${leaseId}\u0000${episode}`) ?? [];
  }

  /** The local date an item executes (its planned date, else its due instant's date). */
  itemDate(item: OutboxRecord): LocalDate {
    return item.payload.date ?? this.localDate(item.dueAt, item.leaseId);
  }

  /** The policy a case runs under: the one it was opened with, else the lease's. */
  policyOf(leaseId: string, c?: CaseRecord): Policy | undefined {
    return (
      (c?.policyId != null ? this.policiesById.get(c.policyId) : undefined) ??
      this.inputs.get(leaseId)?.policy
    );
  }

  stage(leaseId: string, stageId: string, c?: CaseRecord): StageInfo {
    const stages = this.policyOf(leaseId, c)?.stages ?? [];
    const i = stages.findIndex((s) => s.id === stageId);
    if (i < 0) return { id: stageId, name: stageId, order: Number.MAX_SAFE_INTEGER };
    return { id: stageId, name: stages[i]!.name ?? stageId, order: i };
  }

  /** Items of the case planned for `date` or earlier that count (see the module comment). */
  reachedItems(c: CaseRecord, date: LocalDate): OutboxRecord[] {
    return this.items(c.leaseId, c.episode).filter(
      (i) =>
        !i.stage.startsWith('$') &&
        i.status !== 'expired' &&
        !(i.status === 'skipped' && (i.reason === 'superseded' || i.reason === 'not_applicable')) &&
        this.itemDate(i) <= date,
    );
  }

  currentStage(c: CaseRecord, date: LocalDate): StageInfo | null {
    let best: { date: LocalDate; stage: StageInfo } | undefined;
    for (const i of this.reachedItems(c, date)) {
      const d = this.itemDate(i);
      const stage = this.stage(c.leaseId, i.stage, c);
      if (
        !best ||
        d > best.date ||
        (d === best.date && stage.order > best.stage.order) ||
        (d === best.date && stage.order === best.stage.order && stage.id > best.stage.id)
      )
        best = { date: d, stage };
    }
    return best?.stage ?? null;
  }

  track(c: CaseRecord, date: LocalDate): Track {
    const lease = this.leases.get(c.leaseId);
    if (lease?.status !== undefined && ENDED_LEASE_STATUSES.has(lease.status)) return 'collections';
    const handedOver = this.reachedItems(c, date).some(
      (i) =>
        i.type === 'escalate' && i.payload.to === 'collections_agency' && GONE_AHEAD.has(i.status),
    );
    if (handedOver) return 'collections';
    const property = lease ? this.properties.get(lease.propertyId) : undefined;
    return property?.kind === 'storage' ? 'lien' : 'eviction';
  }

  /** Days from the oldest past-due charge's due date to `date`. */
  static daysPastDue(oldest: Charge | undefined, date: LocalDate): number {
    return oldest ? daysBetween(oldest.dueDate, date) : 0;
  }
}

/**
 * The local date "today" for a portfolio: in the time zone every property shares, else UTC.
 * (Reports are dated in the properties' time; a portfolio across zones has no single one.)
 */
export function portfolioTimezone(properties: readonly Property[]): string {
  const zones = new Set(properties.map((p) => p.timezone));
  return zones.size === 1 ? [...zones][0]! : 'UTC';
}
