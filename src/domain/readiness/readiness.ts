/**
 * SPEC 5: one readiness state per lease per run, with machine-readable reasons. Only
 * `ready` leases get drafts; every other state puts the lease on the exception list.
 *
 * Each reason points at one state; when several apply, the lease takes the state that
 * comes first in STATE_PRECEDENCE:
 *
 *   blocked > disputed > hold > payment_plan > recent_payment > credit_ambiguous > review > ready
 *
 * - `blocked` first: bankruptcy (the automatic stay) or a legal flag forbids collection
 *   outright, and with no way to reach the tenant or a ledger we cannot trust (a data
 *   error, a balance that disagrees with the source system) nothing correct can be sent
 *   whatever else is true.
 * - `disputed` next: a disputed debt must not be pursued until the dispute is answered
 *   (FDCPA validation), even while a promise or plan is also recorded.
 * - `hold`: staff or the tenant paused the chase (promise, hardship, military, manual,
 *   stale ledger); the pause is a decision already taken.
 * - `payment_plan`: an agreement in force; contact is about the plan, not the arrears.
 * - `recent_payment`: money just arrived or is pending; the balance is about to change,
 *   so wait for it to settle before asking whether credits are ambiguous.
 * - `credit_ambiguous`: money on the account (pinned to a future charge, a deposit, a
 *   credit naming an unknown charge) may cover the balance; finance decides first.
 * - `review`: everything above is clear but a human must look (changed since the last
 *   draft, large balance, sensitive tenant, a partial payment, a reply that needs a person,
 *   a returned statutory notice, possible duplicate rows).
 * - `ready` when no reason applies.
 *
 * `current` sits outside the order: a lease whose past-due amount (net of charge-scoped
 * holds and of charges settled by a `close` event) is at or below the policy's
 * `exit.maxPastDueCents` is `current` whatever else is true; its reasons then list only the
 * data problems (duplicate rows, data errors, a balance mismatch), which still belong on
 * the exception list.
 *
 * Pure: the lease input, the date and the context are arguments.
 */
import { addDays, daysBetween, type LocalDate } from '../dates.js';
import type { LeaseInput } from '../evaluator/lease-run.js';
import { formatCents, type Cents } from '../money.js';
import type { HoldType, LedgerEntry } from '../portfolio/schema.js';
import { leaseFactsOn, type DerivedHold, type LeaseFacts } from './lease-facts.js';

export const READINESS_STATES = [
  'ready',
  'hold',
  'review',
  'disputed',
  'recent_payment',
  'payment_plan',
  'credit_ambiguous',
  'blocked',
  'current',
] as const;
export type ReadinessState = (typeof READINESS_STATES)[number];

/** Which state wins when several apply: earlier wins (see the module comment). */
export const STATE_PRECEDENCE: readonly ReadinessState[] = [
  'blocked',
  'disputed',
  'hold',
  'payment_plan',
  'recent_payment',
  'credit_ambiguous',
  'review',
  'ready',
];

/** Every reason code, and the state it puts a lease in. */
export const REASON_STATE = {
  missing_contact: 'blocked',
  bankruptcy: 'blocked',
  legal_hold: 'blocked',
  data_error: 'blocked',
  balance_mismatch: 'blocked',
  dispute: 'disputed',
  promise: 'hold',
  hold: 'hold',
  payment_plan: 'payment_plan',
  recent_payment: 'recent_payment',
  payment_pending: 'recent_payment',
  unapplied_credit: 'credit_ambiguous',
  deposit_may_cover: 'credit_ambiguous',
  review_hold: 'review',
  service_failed: 'review',
  sensitive: 'review',
  above_review_threshold: 'review',
  changed_since_draft: 'review',
  partial_payment: 'review',
  duplicate_ledger_row: 'review',
} as const satisfies Record<string, Exclude<ReadinessState, 'ready' | 'current'>>;
export type ReasonCode = keyof typeof REASON_STATE;
export const REASON_CODES = Object.keys(REASON_STATE) as ReasonCode[];

/** Reasons that describe the data itself: listed even for a `current` lease. */
export const DATA_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'data_error',
  'duplicate_ledger_row',
  'balance_mismatch',
]);

export interface ReadinessReason {
  code: ReasonCode;
  /** One sentence an operator understands. */
  detail: string;
  /** The amount the reason is about (payment, credit, difference, duplicate), when there is one. */
  amountCents?: Cents;
  /** The local date the condition began (payment date, hold start, row date …). */
  since?: LocalDate;
  /** When the condition ends or the next step is due (promise `until`, end of the recent-payment window …). */
  until?: LocalDate;
  /** The hold type, for hold reasons. */
  hold?: HoldType;
  /** What placed a hold (`dispute`, `reply:paid_claim`, `status:bankruptcy` …). */
  origin?: string;
  /** Ledger entry ids the reason is about. */
  entryIds?: string[];
}

export interface Readiness {
  leaseId: string;
  at: LocalDate;
  state: ReadinessState;
  /** Most decisive first (by the state they point at, then code order). */
  reasons: ReadinessReason[];
  pastDueCents: Cents;
  balanceCents: Cents;
}

export interface ReadinessContext {
  /** Past-due amount when the last draft was made: any other amount now means "changed since the last draft". */
  lastDraftPastDueCents?: Cents;
  /** The balance the source system reports for the lease. */
  reportedBalanceCents?: Cents;
  /** A payment is known to be on its way (e.g. an ACH in flight). */
  pendingPayment?: boolean;
  /** Overrides the policy's `reviewAboveCents`. */
  reviewAboveCents?: Cents;
  /** Overrides the policy's `recentPaymentDays` (default 3). */
  recentPaymentDays?: number;
  /** Lease tags that need a human (default `['sensitive']`). */
  sensitiveTags?: readonly string[];
  /** Facts already worked out for this lease and date (saves a replay). */
  facts?: LeaseFacts;
}

/** Lease statuses meaning the tenant has left (a held deposit may then cover the balance). */
const ENDED_STATUSES: ReadonlySet<string> = new Set([
  'moved_out',
  'ended',
  'terminated',
  'vacated',
  'former',
  'past',
  'closed',
]);

const money = (c: Cents) => formatCents(c);

export function leaseReadiness(
  input: LeaseInput,
  at: LocalDate,
  context: ReadinessContext = {},
): Readiness {
  const facts = context.facts ?? leaseFactsOn(input, at);
  const policy = input.policy;
  const pastDueCents = facts.pastDue.pastDueCents;
  const balanceCents = facts.allocation.balanceCents;
  const isCurrent = pastDueCents <= policy.exit.maxPastDueCents;

  const reasons: ReadinessReason[] = [...dataReasons(input, facts, context)];
  if (!isCurrent) {
    reasons.push(...contactReasons(input, facts));
    reasons.push(...holdReasons(facts));
    reasons.push(...paymentReasons(input, facts, context));
    reasons.push(...creditReasons(input, facts));
    reasons.push(...reviewReasons(input, facts, context));
  }
  reasons.sort(byDecisiveness);

  let state: ReadinessState = 'ready';
  if (isCurrent) state = 'current';
  else
    for (const r of reasons) {
      const s = REASON_STATE[r.code];
      if (STATE_PRECEDENCE.indexOf(s) < STATE_PRECEDENCE.indexOf(state)) state = s;
    }
  return { leaseId: input.lease.id, at, state, reasons, pastDueCents, balanceCents };
}

function byDecisiveness(a: ReadinessReason, b: ReadinessReason): number {
  const sa = STATE_PRECEDENCE.indexOf(REASON_STATE[a.code]);
  const sb = STATE_PRECEDENCE.indexOf(REASON_STATE[b.code]);
  if (sa !== sb) return sa - sb;
  const ca = REASON_CODES.indexOf(a.code);
  const cb = REASON_CODES.indexOf(b.code);
  if (ca !== cb) return ca - cb;
  const da = a.since ?? '';
  const db = b.since ?? '';
  return da < db ? -1 : da > db ? 1 : 0;
}

// ---------------------------------------------------------------------- data

function dataReasons(
  input: LeaseInput,
  facts: LeaseFacts,
  context: ReadinessContext,
): ReadinessReason[] {
  const out: ReadinessReason[] = [];
  const lease = input.lease;

  const known = new Set(input.contacts.map((c) => c.id));
  const unknownTenants = lease.tenantIds.filter((id) => !known.has(id));
  if (unknownTenants.length)
    out.push({
      code: 'data_error',
      detail: `lease names tenant ${unknownTenants.join(', ')}, which is not in the portfolio`,
    });

  const ids = new Set<string>();
  let repeatedIds: Set<string> | undefined;
  for (const e of input.ledger)
    if (ids.has(e.id)) (repeatedIds ??= new Set()).add(e.id);
    else ids.add(e.id);
  if (repeatedIds) {
    const repeated = [...repeatedIds];
    out.push({
      code: 'data_error',
      detail: `ledger entry id ${repeated.join(', ')} is used more than once`,
      entryIds: repeated,
    });
  }

  let present: Set<string> | undefined;
  for (const e of facts.inEffect)
    if (
      e.type === 'reversal' &&
      e.reverses !== undefined &&
      !(present ??= new Set(facts.inEffect.map((x) => x.id))).has(e.reverses)
    )
      out.push({
        code: 'data_error',
        detail: `reversal ${e.id} cancels ${e.reverses}, which is not on this lease's ledger`,
        amountCents: e.amountCents,
        since: e.date,
        entryIds: [e.id],
      });

  out.push(...duplicateRows(facts));

  const reported = context.reportedBalanceCents;
  if (reported !== undefined && reported !== facts.allocation.balanceCents) {
    const ours = facts.allocation.balanceCents;
    out.push({
      code: 'balance_mismatch',
      detail: `source system reports ${money(reported)}, the ledger gives ${money(ours)} (difference ${money(Math.abs(reported - ours))})`,
      amountCents: Math.abs(reported - ours),
    });
  }
  return out;
}

/** Same date, type, amount and category under different ids (reversed rows excepted). */
export function duplicateRows(facts: LeaseFacts): ReadinessReason[] {
  const out: ReadinessReason[] = [];
  // Entries in effect are in date order, so rows alike share a run of one date: only a
  // date with more than one row is grouped (most leases have none).
  const entries = facts.inEffect;
  for (let start = 0; start < entries.length;) {
    let end = start + 1;
    while (end < entries.length && entries[end]!.date === entries[start]!.date) end++;
    if (end - start > 1) duplicatesOn(entries.slice(start, end), facts.reversedIds, out);
    start = end;
  }
  return out;
}

/** Duplicate rows among `entries` (all of one date), appended to `out` in order of first row. */
function duplicatesOn(
  entries: readonly LedgerEntry[],
  reversedIds: ReadonlySet<string>,
  out: ReadinessReason[],
): void {
  const groups = new Map<string, LedgerEntry[]>();
  for (const e of entries) {
    if (e.type === 'reversal' || reversedIds.has(e.id)) continue;
    const k = `${e.type}|${e.amountCents}|${e.category ?? ''}`;
    const list = groups.get(k);
    if (list) list.push(e);
    else groups.set(k, [e]);
  }
  for (const list of groups.values()) {
    const ids = [...new Set(list.map((e) => e.id))];
    if (ids.length < 2) continue;
    const first = list[0]!;
    const what = first.category ? `${first.category} ${first.type}s` : `${first.type}s`;
    out.push({
      code: 'duplicate_ledger_row',
      detail: `${ids.length} ${what} of ${money(first.amountCents)} dated ${first.date} (${ids.join(', ')}): possible duplicate`,
      amountCents: first.amountCents * (ids.length - 1),
      since: first.date,
      entryIds: ids,
    });
  }
}

// ---------------------------------------------------------------------- contact

const MESSAGE_CHANNELS = ['sms', 'email', 'voice'] as const;

/** Blocked when no primary contact can be reached by SMS, e-mail, voice or post. */
function contactReasons(input: LeaseInput, facts: LeaseFacts): ReadinessReason[] {
  const primaries = input.contacts.filter((c) => c.role === 'primary');
  if (primaries.length === 0)
    return [{ code: 'missing_contact', detail: 'no primary tenant on the lease' }];
  const why: string[] = [];
  for (const c of primaries) {
    if (c.address) return [];
    const blocks: string[] = [];
    for (const ch of MESSAGE_CHANNELS) {
      const b = facts.contacts.messageBlock(c, ch);
      if (b === null) return [];
      blocks.push(`${ch} ${b}`);
    }
    why.push(`${c.name}: ${blocks.join(', ')}, no postal address`);
  }
  return [{ code: 'missing_contact', detail: `no way to reach the tenant (${why.join('; ')})` }];
}

// ---------------------------------------------------------------------- holds

function holdReasons(facts: LeaseFacts): ReadinessReason[] {
  const out: ReadinessReason[] = [];
  for (const h of facts.holdsInForce) {
    // A charge-scoped hold only takes its charge out of the past-due amount (R8): the rest
    // can still be chased, so it is no reason on its own.
    if (h.scope === 'charge') continue;
    out.push(holdReason(h, facts.at));
  }
  return out;
}

function holdReason(h: DerivedHold, at: LocalDate): ReadinessReason {
  const scope = h.scope === 'lease' ? '' : ` (${h.scope}-wide)`;
  const base = {
    hold: h.type,
    origin: h.origin,
    since: h.start,
    ...(h.until !== undefined ? { until: h.until } : {}),
  };
  const note = h.note ? `: ${h.note}` : '';
  switch (h.type) {
    case 'bankruptcy':
      return { code: 'bankruptcy', detail: `bankruptcy since ${h.start}${scope}${note}`, ...base };
    case 'legal':
      return { code: 'legal_hold', detail: `legal hold since ${h.start}${scope}${note}`, ...base };
    case 'dispute':
      return {
        code: 'dispute',
        detail: `disputed since ${h.start}${h.origin === 'reply:dispute' ? ' (tenant reply)' : ''}${scope}${note}`,
        ...base,
      };
    case 'promise':
      return {
        code: 'promise',
        detail: `promised ${money(h.promise?.amountCents ?? 0)} by ${h.until ?? '?'} (made ${h.start})${note}`,
        ...base,
        ...(h.promise ? { amountCents: h.promise.amountCents } : {}),
      };
    case 'payment_plan': {
      const inst = h.plan?.installments ?? [];
      const total = inst.reduce((s, i) => s + i.amountCents, 0);
      // The next installment on or after the run date (the plan's next checkpoint).
      const next = inst.find((i) => i.dueDate >= at) ?? inst[inst.length - 1];
      return {
        code: 'payment_plan',
        detail: `payment plan of ${inst.length} installment${inst.length === 1 ? '' : 's'} totalling ${money(total)} since ${h.start}`,
        ...base,
        amountCents: total,
        ...(next ? { until: next.dueDate } : {}),
      };
    }
    case 'review':
      return {
        code: 'review_hold',
        detail: `needs a human since ${h.start}${h.origin.startsWith('reply:') ? ` (reply classified ${h.origin.slice(6)})` : ''}${note}`,
        ...base,
      };
    case 'service_failed':
      return {
        code: 'service_failed',
        detail: `a statutory notice came back undelivered on ${h.start}: re-serve it${note}`,
        ...base,
      };
    default:
      return {
        code: 'hold',
        detail: `${h.type.replaceAll('_', ' ')} hold since ${h.start}${h.until ? ` until ${h.until}` : ''}${scope}${note}`,
        ...base,
      };
  }
}

// ---------------------------------------------------------------------- payments

function paymentReasons(
  input: LeaseInput,
  facts: LeaseFacts,
  context: ReadinessContext,
): ReadinessReason[] {
  const out: ReadinessReason[] = [];
  const days = context.recentPaymentDays ?? input.policy.recentPaymentDays;
  for (const p of facts.payments) {
    const age = daysBetween(p.date, facts.at);
    if (age < 0 || age > days) continue;
    out.push({
      code: 'recent_payment',
      detail: `payment ${p.id} of ${money(p.amountCents)} on ${p.date} (within ${days} day${days === 1 ? '' : 's'})`,
      amountCents: p.amountCents,
      since: p.date,
      until: addDays(p.date, days),
      entryIds: [p.id],
    });
  }
  if (context.pendingPayment)
    out.push({ code: 'payment_pending', detail: 'a payment is pending; wait for it to post' });

  // Partial payments: payments made since the oldest unpaid past-due charge fell due that
  // left a past-due amount. They need a human (accepting part of the rent can waive a
  // notice) unless a draft was already made at today's amount.
  const oldest = facts.pastDue.oldest;
  const pastDue = facts.pastDue.pastDueCents;
  if (oldest && context.lastDraftPastDueCents !== pastDue) {
    const partial = facts.payments.filter((p) => p.date >= oldest.dueDate);
    if (partial.length) {
      const paid = partial.reduce((s, p) => s + p.amountCents, 0);
      const last = partial[partial.length - 1]!;
      const when = partial.length === 1 ? `on ${last.date}` : `since ${partial[0]!.date}`;
      out.push({
        code: 'partial_payment',
        detail: `paid ${money(paid)} of ${money(paid + pastDue)} ${when}; ${money(pastDue)} still past due`,
        amountCents: paid,
        since: last.date,
        entryIds: partial.map((p) => p.id),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------- credits

function creditReasons(input: LeaseInput, facts: LeaseFacts): ReadinessReason[] {
  const out: ReadinessReason[] = [];
  const { allocation, at } = facts;
  const pastDue = facts.pastDue.pastDueCents;
  const charges = new Map(allocation.charges.map((c) => [c.id, c]));
  const onLedger = new Set(input.ledger.map((e) => e.id));

  if (allocation.unappliedCents > 0)
    out.push({
      code: 'unapplied_credit',
      detail: `${money(allocation.unappliedCents)} of payments and credits is not applied to any charge`,
      amountCents: allocation.unappliedCents,
    });

  const credits = facts.inEffect.filter(
    (e) =>
      (e.type === 'payment' || e.type === 'credit' || e.type === 'writeoff') &&
      !facts.reversedIds.has(e.id),
  );
  for (const e of credits) {
    if (e.appliesTo === undefined) continue;
    const target = charges.get(e.appliesTo);
    if (!target) {
      const why = onLedger.has(e.appliesTo)
        ? `${e.appliesTo}, which is not in effect on ${at}`
        : `${e.appliesTo}, which is not on this lease's ledger`;
      out.push({
        code: 'unapplied_credit',
        detail: `${e.type} ${e.id} of ${money(e.amountCents)} names charge ${why}; it was applied oldest-first instead`,
        amountCents: e.amountCents,
        since: e.date,
        entryIds: [e.id],
      });
    } else if (!(at > target.dueDate) && target.category !== 'deposit') {
      out.push({
        code: 'unapplied_credit',
        detail: `${e.type} ${e.id} of ${money(e.amountCents)} is pinned to ${target.id}, not due until ${target.dueDate}, while ${money(pastDue)} is past due`,
        amountCents: Math.min(e.amountCents, target.amountCents),
        since: e.date,
        entryIds: [e.id],
      });
    }
  }

  // Deposits: money held on deposit charges may cover the balance once the tenant has
  // left, or when it reached the deposit by oldest-first allocation rather than by a
  // payment that named it; a payment itself marked `deposit` was spread over the charges.
  const ended =
    facts.movedOut ||
    (input.lease.endDate !== undefined && input.lease.endDate <= at) ||
    (input.lease.status !== undefined && ENDED_STATUSES.has(input.lease.status));
  for (const c of allocation.charges) {
    if (c.category !== 'deposit') continue;
    const held = c.amountCents - (allocation.unpaid.get(c.id) ?? 0);
    if (held <= 0) continue;
    const named = credits
      .filter((e) => e.appliesTo === c.id)
      .reduce((s, e) => s + e.amountCents, 0);
    const byPool = held - Math.min(held, named);
    if (!ended && byPool <= 0) continue;
    out.push({
      code: 'deposit_may_cover',
      detail: ended
        ? `deposit ${c.id} holds ${money(held)} and the tenant has left; it may cover ${money(pastDue)} past due`
        : `${money(byPool)} of payments went to deposit ${c.id} by oldest-first allocation while ${money(pastDue)} is past due`,
      amountCents: ended ? Math.min(held, pastDue) : byPool,
      since: c.dueDate,
      entryIds: [c.id],
    });
  }
  for (const e of credits)
    if (e.category === 'deposit' && e.type !== 'writeoff')
      out.push({
        code: 'deposit_may_cover',
        detail: `${e.type} ${e.id} of ${money(e.amountCents)} is marked deposit but was applied to the charges`,
        amountCents: e.amountCents,
        since: e.date,
        entryIds: [e.id],
      });
  return out;
}

// ---------------------------------------------------------------------- review

function reviewReasons(
  input: LeaseInput,
  facts: LeaseFacts,
  context: ReadinessContext,
): ReadinessReason[] {
  const out: ReadinessReason[] = [];
  const pastDue = facts.pastDue.pastDueCents;
  const tags = context.sensitiveTags ?? ['sensitive'];
  const tagged = input.lease.tags.filter((t) => tags.includes(t));
  if (tagged.length)
    out.push({ code: 'sensitive', detail: `lease is tagged ${tagged.join(', ')}` });
  const above = context.reviewAboveCents ?? input.policy.reviewAboveCents;
  if (above !== undefined && pastDue >= above)
    out.push({
      code: 'above_review_threshold',
      detail: `${money(pastDue)} past due is at or above the review threshold of ${money(above)}`,
      amountCents: pastDue,
    });
  const last = context.lastDraftPastDueCents;
  if (last !== undefined && last !== pastDue)
    out.push({
      code: 'changed_since_draft',
      detail: `past due is ${money(pastDue)}, was ${money(last)} at the last draft`,
      amountCents: Math.abs(pastDue - last),
    });
  return out;
}
