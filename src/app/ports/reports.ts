/**
 * What the reports of SPEC 8 read besides the portfolio and the policies (which come
 * through `PortfolioStore` and `PolicyStore`): cases, the outbox and its history, proofs
 * of service, tasks, reported balances and finished scans. Read-only; every query is
 * scoped to one organisation. storage/repos/reports-repo.ts implements it.
 *
 * The rows are the plain records the pure report builders take
 * (domain/reports/report-data.ts).
 */
import type {
  CaseRecord,
  OutboxRecord,
  ProofRecord,
  ScanRecord,
  TaskRecord,
  TransitionRecord,
} from '../../domain/reports/report-data.js';

/** A window of instants, both ends inclusive (ISO-8601 UTC). */
export interface InstantRange {
  from: string;
  to: string;
}

export interface ReportReadStore {
  /** The organisation's name (its id when it has none). */
  organisationName(orgId: string): Promise<string>;
  /** Every stored case (episode), by lease then episode. */
  cases(orgId: string): Promise<CaseRecord[]>;
  /**
   * One page of cases by lease then episode, after `after` (keyset pagination in the
   * database: the case list stays fast with 100,000 cases), of some properties when given.
   */
  casesPage?(
    orgId: string,
    page: {
      limit: number;
      after?: readonly [string, number];
      open?: boolean;
      propertyIds?: readonly string[] | null;
      /** The cases of one lease only. */
      leaseId?: string;
    },
  ): Promise<CaseRecord[]>;
  /** Outbox items, all or of these action types, by key. */
  outboxItems(orgId: string, types?: readonly string[]): Promise<OutboxRecord[]>;
  /** Status changes dated in `between`, or of these item keys (both when both are given). */
  transitions(
    orgId: string,
    query: { between?: InstantRange; keys?: readonly string[] },
  ): Promise<TransitionRecord[]>;
  /** Proofs of service of mailed and e-mailed notices. */
  proofs(orgId: string): Promise<ProofRecord[]>;
  /** Tasks still open. */
  openTasks(orgId: string): Promise<TaskRecord[]>;
  /** Balances the source system reported at the last import. */
  reportedBalances(orgId: string): Promise<{ leaseId: string; cents: number }[]>;
  /** Finished scans whose as-of instant falls in `between`, oldest first. */
  scans(orgId: string, between: InstantRange): Promise<ScanRecord[]>;
}
