/**
 * What the reports of SPEC 8 compute from: plain data, read by the reports repository
 * (storage/repos/reports-repo.ts) through the `ReportReadStore` port (app/ports/reports.ts)
 * or written by hand in tests. Money is integer cents; local dates are `YYYY-MM-DD` in the
 * property's time zone; instants are ISO-8601 UTC.
 *
 * Every report takes the slice it needs: a `ReportData` with empty lists where a report
 * does not look (the aging and collections reports read only the portfolio).
 */
import type { LocalDate } from '../dates.js';
import type { Cents } from '../money.js';
import type { Policy } from '../policy/schema.js';
import type { Portfolio } from '../portfolio/schema.js';
import type { Change } from '../readiness/changes.js';

/** One stored episode (case) of a lease: the `cases` table. */
export interface CaseRecord {
  leaseId: string;
  episode: number;
  opened: LocalDate;
  anchor: LocalDate;
  /** The local date it closed; null while open. */
  closed: LocalDate | null;
  /** paid, written_off, moved_out, … ; null while open. */
  outcome: string | null;
  policyId: string | null;
  policyVersion: number | null;
}

/** The part of an outbox item's payload the reports read (plan-items.ts writes it). */
export interface OutboxPayloadFacts {
  /** The local date the action executes (after any deferral). */
  date?: LocalDate;
  template?: string;
  title?: string;
  /** Escalations: legal, collections_agency, manager, owner. */
  to?: string;
  /** Fees: late, lien, admin. */
  feeKind?: string;
  /** Auctions: the sale date. */
  saleDate?: LocalDate;
  pastDueCents?: Cents;
}

/** One outbox row (one delivery of an action). */
export interface OutboxRecord {
  key: string;
  leaseId: string;
  episode: number;
  stage: string;
  action: string;
  /** message, document, fee, task, escalate, auction, … */
  type: string;
  channel: string | null;
  method: string | null;
  contactId: string | null;
  status: string;
  reason: string | null;
  amountCents: Cents | null;
  /** ISO instant it was due to go. */
  dueAt: string;
  createdAt: string;
  updatedAt: string;
  payload: OutboxPayloadFacts;
}

/** One status change of an outbox item (`outbox_transitions`). */
export interface TransitionRecord {
  key: string;
  seq: number;
  from: string | null;
  to: string;
  /** ISO instant. */
  at: string;
  actor: string;
  reason: string | null;
}

/** A proof of service of a mailed or e-mailed notice. */
export interface ProofRecord {
  id: string;
  outboxKey: string;
  leaseId: string;
  method: string;
  /** sent / delivered / returned / failed … */
  status: string;
  servedOn: LocalDate | null;
  trackingNumber: string | null;
}

/** A staff task (`tasks`). */
export interface TaskRecord {
  id: string;
  leaseId: string | null;
  episode: number | null;
  title: string;
  assignee: string | null;
  dueDate: LocalDate | null;
  /** open / done / cancelled */
  status: string;
}

/** A finished scan and the changes it found (SPEC 8 "what changed since last run"). */
export interface ScanRecord {
  id: string;
  /** ISO instant the scan evaluated. */
  asOf: string;
  finishedAt: string;
  changes: Change[];
}

export interface ReportData {
  organisation: { id: string; name: string };
  portfolio: Portfolio;
  /** The current version of every stored policy. */
  policies: Policy[];
  /** Balances the source system reported at the last import (SPEC 5 balance_mismatch). */
  reportedBalances: { leaseId: string; cents: Cents }[];
  cases: CaseRecord[];
  outbox: OutboxRecord[];
  /** Transitions the report needs (a period's, or those of some items); may be partial. */
  transitions: TransitionRecord[];
  proofs: ProofRecord[];
  tasks: TaskRecord[];
  scans: ScanRecord[];
}

/** A `ReportData` with nothing but the organisation and the portfolio (tests, aging). */
export function reportData(
  portfolio: Portfolio,
  over: Partial<Omit<ReportData, 'portfolio'>> = {},
): ReportData {
  return {
    organisation: { id: 'default', name: 'Default organisation' },
    portfolio,
    policies: [],
    reportedBalances: [],
    cases: [],
    outbox: [],
    transitions: [],
    proofs: [],
    tasks: [],
    scans: [],
    ...over,
  };
}
