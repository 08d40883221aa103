/**
 * SPEC 5: the exception list — the operator's daily list of leases that cannot simply get
 * a draft, one row per reason: partial payments, deposits, disputes, unapplied credits,
 * duplicate ledger rows, balances that disagree with the source system, missing contact
 * data, holds and everything else that keeps a lease from `ready`. Each row says who owns
 * the next action (a role), what it is, and when it is due.
 *
 * Rows come from the readiness reasons: every reason of a lease that is not `current`,
 * and the data reasons (data errors, duplicate rows, balance mismatches) of a `current`
 * lease too — a wrong ledger is worth fixing before it matters. A `ready` lease has no
 * reasons, so it has no rows.
 *
 * Order: severity (high, medium, low), then amount (largest first), then lease id, code
 * and detail, so the list is stable from run to run.
 */
import { addDays, maxDate, type LocalDate } from '../dates.js';
import type { LeaseInput } from '../evaluator/lease-run.js';
import type { Cents } from '../money.js';
import {
  REASON_STATE,
  type ReadinessReason,
  type Readiness,
  type ReadinessState,
  type ReasonCode,
} from './readiness.js';

/** SPEC 10 roles that own a next action. */
export type OwnerRole = 'admin' | 'manager' | 'collections' | 'legal' | 'finance';
export type Severity = 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

interface CodeRule {
  severity: Severity;
  owner: OwnerRole;
  /** The next action, in the imperative. */
  next: string;
}

/** Severity, owner and next action of every reason code. */
export const EXCEPTION_RULES: Record<ReasonCode, CodeRule> = {
  bankruptcy: { severity: 'high', owner: 'legal', next: 'Confirm the stay and stop collection' },
  legal_hold: { severity: 'high', owner: 'legal', next: 'Review the legal hold' },
  dispute: {
    severity: 'high',
    owner: 'collections',
    next: 'Answer the dispute with the ledger before any further demand',
  },
  data_error: { severity: 'high', owner: 'finance', next: 'Correct the ledger data' },
  balance_mismatch: {
    severity: 'high',
    owner: 'finance',
    next: 'Reconcile the balance with the source system',
  },
  missing_contact: {
    severity: 'high',
    owner: 'manager',
    next: 'Add a phone, e-mail or postal address with consent',
  },
  service_failed: {
    severity: 'high',
    owner: 'legal',
    next: 'Re-serve the returned notice',
  },
  duplicate_ledger_row: {
    severity: 'medium',
    owner: 'finance',
    next: 'Confirm or remove the duplicate ledger row',
  },
  unapplied_credit: {
    severity: 'medium',
    owner: 'finance',
    next: 'Apply the credit to the right charge',
  },
  deposit_may_cover: {
    severity: 'medium',
    owner: 'finance',
    next: 'Decide whether the deposit covers the balance',
  },
  partial_payment: {
    severity: 'medium',
    owner: 'collections',
    next: 'Decide whether to accept the partial payment and re-draft',
  },
  changed_since_draft: {
    severity: 'medium',
    owner: 'collections',
    next: 'Review the draft at the new amount',
  },
  above_review_threshold: {
    severity: 'medium',
    owner: 'manager',
    next: 'Review the case before anything is sent',
  },
  sensitive: { severity: 'medium', owner: 'manager', next: 'Review the sensitive lease' },
  review_hold: { severity: 'medium', owner: 'collections', next: 'Read the reply and decide' },
  promise: { severity: 'low', owner: 'collections', next: 'Watch for the promised payment' },
  payment_plan: {
    severity: 'low',
    owner: 'collections',
    next: 'Watch the next plan installment',
  },
  hold: { severity: 'low', owner: 'collections', next: 'Review the hold' },
  recent_payment: {
    severity: 'low',
    owner: 'collections',
    next: 'Wait for the payment to settle',
  },
  payment_pending: {
    severity: 'low',
    owner: 'finance',
    next: 'Confirm the pending payment posts',
  },
};

/** Review holds placed by a reply go to whoever handles that kind of reply. */
const REPLY_OWNER: Record<string, OwnerRole> = {
  'reply:paid_claim': 'finance',
  'reply:legal': 'legal',
  'reply:hostile': 'manager',
  'reply:hardship': 'collections',
};
const REPLY_NEXT: Record<string, string> = {
  'reply:paid_claim': 'Check the payment the tenant says was made',
  'reply:legal': 'Review the legal reply',
  'reply:hostile': 'Review the hostile reply',
  'reply:hardship': 'Discuss hardship options with the tenant',
};
/** Holds of the generic `hold` code by type. */
const HOLD_OWNER: Partial<Record<string, OwnerRole>> = {
  military: 'legal',
  stale_ledger: 'admin',
};
const HOLD_NEXT: Partial<Record<string, string>> = {
  military: 'Confirm military status (SCRA) before proceeding',
  stale_ledger: 'Fix the ledger sync',
  hardship: 'Review the hardship hold',
};

export interface ExceptionRow {
  leaseId: string;
  propertyId: string;
  unit: string;
  /** The lease's readiness state. */
  state: ReadinessState;
  code: ReasonCode;
  /** The state this reason alone points at. */
  reasonState: ReadinessState;
  severity: Severity;
  detail: string;
  amountCents?: Cents;
  /** Who owns the next action (a role). */
  owner: OwnerRole;
  /** What the next action is. */
  nextAction: string;
  /** When the next action is due: the end of a wait (promise, plan, recent payment) or the run date. */
  due: LocalDate;
  /** Since when the condition holds (hold start, payment date, row date), else the run date. */
  since: LocalDate;
}

export interface LeaseForExceptions {
  input: LeaseInput;
  readiness: Readiness;
}

export function exceptionList(leases: readonly LeaseForExceptions[]): ExceptionRow[] {
  const rows: ExceptionRow[] = [];
  for (const { input, readiness } of leases) {
    const at = readiness.at;
    for (const r of readiness.reasons) rows.push(rowOf(input, readiness, r, at));
  }
  return rows.sort(compareRows);
}

function rowOf(
  input: LeaseInput,
  readiness: Readiness,
  r: ReadinessReason,
  at: LocalDate,
): ExceptionRow {
  const rule = EXCEPTION_RULES[r.code];
  let owner = rule.owner;
  let next = rule.next;
  if (r.code === 'review_hold' && r.origin !== undefined) {
    owner = REPLY_OWNER[r.origin] ?? owner;
    next = REPLY_NEXT[r.origin] ?? next;
  }
  if (r.code === 'hold' && r.hold !== undefined) {
    owner = HOLD_OWNER[r.hold] ?? owner;
    next = HOLD_NEXT[r.hold] ?? next;
  }
  return {
    leaseId: input.lease.id,
    propertyId: input.lease.propertyId,
    unit: input.lease.unit,
    state: readiness.state,
    code: r.code,
    reasonState: REASON_STATE[r.code],
    severity: rule.severity,
    detail: r.detail,
    ...(r.amountCents !== undefined ? { amountCents: r.amountCents } : {}),
    owner,
    nextAction: next,
    due: dueOf(r, at),
    since: r.since ?? at,
  };
}

/** A wait ends the day after its last day (a promise is in force through `until`). */
function dueOf(r: ReadinessReason, at: LocalDate): LocalDate {
  if (r.until === undefined) return at;
  if (r.code === 'promise' || r.code === 'recent_payment' || r.code === 'hold')
    return maxDate(at, addDays(r.until, 1));
  if (r.code === 'payment_plan') return maxDate(at, r.until);
  return at;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareRows(a: ExceptionRow, b: ExceptionRow): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    (b.amountCents ?? 0) - (a.amountCents ?? 0) ||
    cmp(a.leaseId, b.leaseId) ||
    cmp(a.code, b.code) ||
    cmp(a.detail, b.detail)
  );
}
