/** What a scan keeps between runs: per-lease state (the next-due index), cases, scan rows. */
import type { EpisodeSummary } from '../../domain/evaluator/types.js';
import type { PortfolioEvent } from '../../domain/portfolio/schema.js';

export interface LeaseToEvaluate {
  leaseId: string;
  /** First local date Arrears manages the lease; null before its first evaluation. */
  trackingFrom: string | null;
  /** JSON of the snapshot the previous scan stored, if any. */
  snapshot: string | null;
  reportedBalanceCents: number | null;
}

export interface LeaseStateRow {
  leaseId: string;
  trackingFrom: string;
  /** ISO instant the lease must be evaluated again even if nothing changes; null = never. */
  nextDueAt: string | null;
  readiness: string;
  readinessReason: string | null;
  /** Fingerprint of the policies the evaluation used. */
  inputHash: string;
  snapshot: string | null;
}

/**
 * A lease whose stored data shows it cannot be in a case on its local today: nothing owed
 * is past due, no case is open, nothing waits in the outbox and no ledger entry (a
 * reversal, an earmarked payment) needs the evaluator. Found by one aggregate query
 * instead of loading its ledger. A lease with events comes with them: it is settled only
 * when they are at rest (`eventsAtRest`).
 */
export interface SettledLease {
  leaseId: string;
  timezone: string;
  /** Ledger balance on the lease's local today (charges − payments and credits). */
  balanceCents: number;
  /** First local date after today on which a ledger entry takes effect, if any. */
  nextEntryDate: string | null;
  /** Earliest due date (today or later) of a charge already on the ledger, if any. */
  nextDueDate: string | null;
  /**
   * The events that reach the lease (its own and its tenants'), in the order the evaluator
   * gets them; absent when it has none.
   */
  events?: PortfolioEvent[];
}

/**
 * What the state of a quiet settled lease is (evaluate-batch.ts, `quietStates`: what its
 * settled-lease loop gives a lease never evaluated before and without events): readiness
 * `current`, tracked from its local today, the snapshot of a settled lease, and next due at
 * the start of its *wake* date, the earlier of the day its next dated entry takes effect
 * and the day after its next due charge falls due, or today + `horizonDays` when it has
 * neither.
 */
export interface QuietStates {
  policyHash: string;
  evaluatedAt: string;
  horizonDays: number;
  /** The instant a wake date starts in a time zone (ISO UTC, as `nextDueAt` is written). */
  wakeAt(timezone: string, date: string): string;
}

export interface ScanCounts {
  evaluated: number;
  queued: number;
  skipped: number;
  cancelled: number;
}

export interface ScanStateStore {
  /** Marks leases whose data changed at `at` (import, event, manual close …). */
  markChanged(orgId: string, leaseIds: readonly string[], at: string): Promise<void>;
  /**
   * Ids (in order) of the leases never evaluated, changed since their last evaluation, due
   * (`next_due_at <= now`) or evaluated under other policies than `policyHash`; `all`
   * returns every lease. `every`: the ids are every lease of the organisation.
   */
  leasesToEvaluate(
    orgId: string,
    now: string,
    policyHash: string,
    all: boolean,
  ): Promise<{ leaseIds: string[]; every: boolean }>;
  /**
   * What the previous evaluation of these leases stored (leases never evaluated and never
   * given a reported balance are absent). `contiguous`: as for `settledLeases`.
   */
  previousStates(
    orgId: string,
    leaseIds: readonly string[],
    options?: { contiguous?: boolean },
  ): Promise<LeaseToEvaluate[]>;
  /**
   * Which of `leaseIds` are settled on their local today (`todayIn(timezone)`): see
   * `SettledLease` (those with events only when the events are at rest). Leases not
   * returned need a full evaluation.
   */
  settledLeases(
    orgId: string,
    leaseIds: readonly string[],
    todayIn: (timezone: string) => string,
    options?: {
      /**
       * `leaseIds` (sorted) are every lease of the organisation from the first to the last:
       * the store may read them as a key range.
       */
      contiguous?: boolean;
    },
  ): Promise<SettledLease[]>;
  /**
   * Optional (PostgreSQL): `settledLeases` for a batch of a first scan (`contiguous`, no
   * lease of the organisation evaluated before) that also writes the states of the *quiet*
   * settled leases itself, in the same statement: those without events, whose state is
   * fully given by their aggregate (`QuietStates`). They are not returned as settled
   * leases but as `quiet` ids; a lease that has a state already is left to the caller.
   */
  settleQuietly?(
    orgId: string,
    leaseIds: readonly string[],
    todayIn: (timezone: string) => string,
    states: QuietStates,
  ): Promise<{ settled: SettledLease[]; quiet: string[] }>;
  saveLeaseStates(
    orgId: string,
    rows: readonly LeaseStateRow[],
    evaluatedAt: string,
  ): Promise<void>;
  /** Upserts the episodes the evaluator found (onboarded cases keep their state). */
  saveEpisodes(orgId: string, episodes: readonly EpisodeSummary[], at: string): Promise<void>;
  /**
   * Closes the stored open cases of these leases that their evaluation no longer yields
   * (a payment dated the day the case opened leaves no episode to close): closed on the
   * lease's `today` as `paid`, audited `case.closed`. Returns what it closed.
   */
  closeVanishedCases?(
    orgId: string,
    leases: readonly { leaseId: string; today: string; episodes: readonly number[] }[],
    at: string,
  ): Promise<{ leaseId: string; episode: number }[]>;
  /** Balances the source system reported for leases (SPEC 5 balance_mismatch). */
  setReportedBalances(orgId: string, rows: { leaseId: string; cents: number }[]): Promise<void>;
  /** The first local date Arrears manages the lease (null before its first scan). */
  trackingFrom(orgId: string, leaseId: string): Promise<string | null>;
  /** Open cases (episodes not closed) with the date the lease's tracking started. */
  openCases(
    orgId: string,
  ): Promise<{ leaseId: string; episode: number; trackingFrom: string | null }[]>;
  /**
   * Brings the database's planner statistics of the tables a scan writes up to date (a
   * large first scan grows them from nothing). Optional: engines without them leave it out.
   */
  refreshStatistics?(): Promise<void>;
  /**
   * Leases per scan batch that suit this store (the scan's default when it is not told).
   * Larger batches mean fewer statements and round trips, and more memory.
   */
  readonly batchLeases?: number;
  startScan(orgId: string, id: string, startedAt: string, asOf: string): Promise<void>;
  finishScan(
    orgId: string,
    id: string,
    finishedAt: string,
    /** With `changesOmitted` when the scan kept only the first of its changes. */
    counts: ScanCounts & { changesOmitted?: number },
    changes: readonly unknown[],
  ): Promise<void>;
  /**
   * When the last finished scan started (wall clock) and the instant it evaluated as of;
   * null before the first. Optional: without it each scan looks at every open item.
   */
  lastScanStart?(orgId: string): Promise<{ startedAt: string; asOf: string } | null>;
  /** The changes the last finished scan found (SPEC 8 "what changed since last run"). */
  lastScan(orgId: string): Promise<{
    id: string;
    asOf: string;
    finishedAt: string;
    counts: ScanCounts;
    changes: unknown[];
  } | null>;
}

/** One outbox row to create: an action, or one delivery of it (SPEC R7 sub-key). */
export interface PlannedItem {
  key: string;
  leaseId: string;
  episode: number;
  stage: string;
  action: string;
  type: string;
  channel: string | null;
  method: string | null;
  contactId: string | null;
  dueAt: string;
  /** draft / approved for due actions; skipped for those the plan skipped. */
  status: 'draft' | 'approved' | 'skipped';
  reason: string | null;
  approvalsRequired: number;
  amountCents: number | null;
  policyId: string | null;
  policyVersion: number | null;
  /** Action details and the past-due amount at planning time; never a secret. */
  payload: Record<string, unknown>;
}

export interface OpenItem {
  key: string;
  leaseId: string;
  episode: number;
  status: string;
}

/** The slice of the outbox a scan writes. */
export interface PlannedItemsWriter {
  /** Inserts items whose key is new (ON CONFLICT DO NOTHING); returns the keys inserted. */
  insertPlanned(
    orgId: string,
    items: readonly PlannedItem[],
    actor: string,
    at: string,
  ): Promise<string[]>;
  /** Items not yet dispatched (draft / approved) of these leases. */
  openItems(orgId: string, leaseIds: readonly string[]): Promise<OpenItem[]>;
  /** Cancels a not-yet-dispatched item; false when it had moved on meanwhile. */
  cancel(orgId: string, key: string, reason: string, actor: string, at: string): Promise<boolean>;
}
