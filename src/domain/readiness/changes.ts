/**
 * SPEC 8 "what changed since last run": each run keeps a small snapshot per lease; the
 * difference between two snapshots is the list of changes the dashboard and the report
 * show (cases opened and closed, payments, balance moves, replies, holds, promises,
 * readiness, leases added or removed).
 *
 * With no previous snapshot (the first run) every lease is `lease_added` and nothing else
 * is reported: a first run has no "since".
 *
 * Pure: snapshots are data; `snapshotOf` derives one from the lease input and the date.
 */
import type { LocalDate } from '../dates.js';
import { evaluateLease, type LeaseInput } from '../evaluator/lease-run.js';
import type { EpisodeSummary } from '../evaluator/types.js';
import { formatCents, type Cents } from '../money.js';
import type { HoldType } from '../portfolio/schema.js';
import { leaseFactsOn, type LeaseFacts, type PromiseOutcome } from './lease-facts.js';
import type { ReadinessState } from './readiness.js';

export interface HoldSnapshot {
  type: HoldType;
  scope: string;
  since: LocalDate;
  until?: LocalDate;
  chargeId?: string;
}

export interface PromiseSnapshot {
  /** The date the promise was made. */
  since: LocalDate;
  until: LocalDate;
  amountCents: Cents;
  state: PromiseOutcome;
}

export interface LeaseSnapshot {
  leaseId: string;
  pastDueCents: Cents;
  balanceCents: Cents;
  /** The episode open on the run date, if any. */
  openEpisode: number | null;
  /** Holds in force (charge-scoped ones included), by start date then type. */
  holds: HoldSnapshot[];
  lastPaymentId?: string;
  lastPaymentCents?: Cents;
  lastPaymentDate?: LocalDate;
  /** Every reply seen so far (event id, else `{date}/{channel}/{n}`). */
  replyIds: string[];
  /** Every promise made so far and how it stands, oldest first. */
  promises: PromiseSnapshot[];
  readiness?: ReadinessState;
  /**
   * Set when the snapshot was summarised on this date from balances alone (a paid-up lease
   * is not replayed): it knows no payment ids, so only a payment dated after it is new, and
   * no promises, which were all over by then (a promise still running is replayed), so only
   * one made after it is news.
   */
  summaryOf?: LocalDate;
}

export interface RunSnapshot {
  at: LocalDate;
  /** One per lease, by lease id. */
  leases: LeaseSnapshot[];
}

export const CHANGE_TYPES = [
  'lease_added',
  'lease_removed',
  'case_opened',
  'case_closed',
  'payment_received',
  'balance_changed',
  'reply_received',
  'hold_started',
  'hold_expired',
  'promise_kept',
  'promise_broken',
  'readiness_changed',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export interface Change {
  leaseId: string;
  type: ChangeType;
  /** One sentence for the dashboard. */
  detail: string;
  episode?: number;
  hold?: HoldType;
  /** Payment amount, promise amount, or the change of a balance (new − old). */
  amountCents?: Cents;
  /** Payment or reply id. */
  id?: string;
  /** The date the change happened, when known (payment date, hold start, promise until). */
  date?: LocalDate;
  from?: string | number | null;
  to?: string | number | null;
}

/** Build a run snapshot; leases are sorted by id. */
export function runSnapshot(at: LocalDate, leases: readonly LeaseSnapshot[]): RunSnapshot {
  return { at, leases: [...leases].sort((a, b) => cmp(a.leaseId, b.leaseId)) };
}

/**
 * One lease's snapshot on `at`. The open episode comes from the evaluator: pass the
 * lease's timeline (e.g. from `evaluateLease` or `simulate`) when you have it; otherwise
 * the lease is evaluated from its first ledger entry or event through `at`.
 */
export function snapshotOf(
  input: LeaseInput,
  at: LocalDate,
  evaluatorResult?: { episodes: readonly EpisodeSummary[] },
  extra: { readiness?: ReadinessState; facts?: LeaseFacts } = {},
): LeaseSnapshot {
  const facts = extra.facts ?? leaseFactsOn(input, at);
  const episodes = (evaluatorResult ?? evaluateThrough(input, at)).episodes;
  const open = episodes.find(
    (e) => e.leaseId === input.lease.id && e.opened <= at && (e.closed === null || e.closed > at),
  );
  const last = facts.payments.reduce<(typeof facts.payments)[number] | undefined>(
    (best, p) =>
      !best || p.date > best.date || (p.date === best.date && p.id > best.id) ? p : best,
    undefined,
  );
  const holds: HoldSnapshot[] = facts.holdsInForce
    .map((h) => ({
      type: h.type,
      scope: h.scope,
      since: h.start,
      ...(h.until !== undefined ? { until: h.until } : {}),
      ...(h.chargeId !== undefined ? { chargeId: h.chargeId } : {}),
    }))
    .sort((a, b) => cmp(a.since, b.since) || cmp(a.type, b.type) || cmp(holdKey(a), holdKey(b)));
  const promises: PromiseSnapshot[] = facts.holds
    .filter((h) => h.type === 'promise' && h.promise && h.until !== undefined)
    .map((h) => ({
      since: h.start,
      until: h.until!,
      amountCents: h.promise!.amountCents,
      state: h.promiseOutcome ?? 'open',
    }));
  return {
    leaseId: input.lease.id,
    pastDueCents: facts.pastDue.pastDueCents,
    balanceCents: facts.allocation.balanceCents,
    openEpisode: open ? open.episode : null,
    holds,
    ...(last
      ? { lastPaymentId: last.id, lastPaymentCents: last.amountCents, lastPaymentDate: last.date }
      : {}),
    replyIds: facts.replies.map((r) => r.id),
    promises,
    ...(extra.readiness !== undefined ? { readiness: extra.readiness } : {}),
  };
}

function evaluateThrough(input: LeaseInput, at: LocalDate): { episodes: EpisodeSummary[] } {
  let from = at;
  for (const e of input.ledger) if (e.date < from) from = e.date;
  for (const e of input.events) if (e.date < from) from = e.date;
  for (const c of input.cases) if (c.anchor < from) from = c.anchor;
  return evaluateLease(input, { from, to: at });
}

const money = (c: Cents) => formatCents(c);

export function whatChanged(previous: RunSnapshot | null, current: RunSnapshot): Change[] {
  const changes: Change[] = [];
  const before = new Map((previous?.leases ?? []).map((l) => [l.leaseId, l]));
  const after = new Map(current.leases.map((l) => [l.leaseId, l]));
  for (const now of current.leases) {
    const was = before.get(now.leaseId);
    if (!was) {
      changes.push({
        leaseId: now.leaseId,
        type: 'lease_added',
        detail: `new lease: ${money(now.pastDueCents)} past due, balance ${money(now.balanceCents)}`,
        ...(now.openEpisode !== null ? { episode: now.openEpisode } : {}),
      });
      continue;
    }
    changes.push(...leaseChanges(was, now));
  }
  for (const was of previous?.leases ?? [])
    if (!after.has(was.leaseId))
      changes.push({
        leaseId: was.leaseId,
        type: 'lease_removed',
        detail: 'lease no longer in the portfolio',
      });
  return changes.sort(
    (a, b) =>
      cmp(a.leaseId, b.leaseId) ||
      CHANGE_TYPES.indexOf(a.type) - CHANGE_TYPES.indexOf(b.type) ||
      cmp(a.date ?? '', b.date ?? '') ||
      cmp(a.id ?? a.hold ?? '', b.id ?? b.hold ?? ''),
  );
}

function leaseChanges(was: LeaseSnapshot, now: LeaseSnapshot): Change[] {
  const out: Change[] = [];
  const leaseId = now.leaseId;

  if (was.openEpisode !== now.openEpisode) {
    if (was.openEpisode !== null)
      out.push({
        leaseId,
        type: 'case_closed',
        detail: `case ${was.openEpisode} closed`,
        episode: was.openEpisode,
      });
    if (now.openEpisode !== null)
      out.push({
        leaseId,
        type: 'case_opened',
        detail: `case ${now.openEpisode} opened with ${money(now.pastDueCents)} past due`,
        episode: now.openEpisode,
      });
  }

  const newPayment =
    was.summaryOf !== undefined
      ? now.lastPaymentDate !== undefined && now.lastPaymentDate > was.summaryOf
      : now.lastPaymentId !== was.lastPaymentId &&
        (was.lastPaymentDate === undefined ||
          (now.lastPaymentDate !== undefined && now.lastPaymentDate >= was.lastPaymentDate));
  if (now.lastPaymentId !== undefined && newPayment)
    out.push({
      leaseId,
      type: 'payment_received',
      detail: `payment ${now.lastPaymentId} of ${money(now.lastPaymentCents ?? 0)} on ${now.lastPaymentDate ?? '?'}`,
      id: now.lastPaymentId,
      ...(now.lastPaymentCents !== undefined ? { amountCents: now.lastPaymentCents } : {}),
      ...(now.lastPaymentDate !== undefined ? { date: now.lastPaymentDate } : {}),
    });

  if (was.pastDueCents !== now.pastDueCents || was.balanceCents !== now.balanceCents) {
    const parts: string[] = [];
    if (was.pastDueCents !== now.pastDueCents)
      parts.push(`past due ${money(was.pastDueCents)} → ${money(now.pastDueCents)}`);
    if (was.balanceCents !== now.balanceCents)
      parts.push(`balance ${money(was.balanceCents)} → ${money(now.balanceCents)}`);
    out.push({
      leaseId,
      type: 'balance_changed',
      detail: parts.join(', '),
      amountCents: now.pastDueCents - was.pastDueCents,
      from: was.pastDueCents,
      to: now.pastDueCents,
    });
  }

  const seen = new Set(was.replyIds);
  for (const id of now.replyIds)
    if (!seen.has(id))
      out.push({ leaseId, type: 'reply_received', detail: `reply ${id} received`, id });

  const holdsBefore = new Set(was.holds.map(holdKey));
  const holdsNow = new Set(now.holds.map(holdKey));
  for (const h of now.holds)
    if (!holdsBefore.has(holdKey(h)))
      out.push({
        leaseId,
        type: 'hold_started',
        detail: `${h.type} hold since ${h.since}${h.until ? ` until ${h.until}` : ''}`,
        hold: h.type,
        date: h.since,
      });
  for (const h of was.holds)
    if (!holdsNow.has(holdKey(h)))
      out.push({
        leaseId,
        type: 'hold_expired',
        detail: `${h.type} hold since ${h.since} no longer in force`,
        hold: h.type,
        date: h.since,
      });

  const promisesBefore = new Map(was.promises.map((p) => [promiseKey(p), p]));
  for (const p of now.promises) {
    if (p.state !== 'kept' && p.state !== 'broken') continue;
    if (promisesBefore.get(promiseKey(p))?.state === p.state) continue;
    if (was.summaryOf !== undefined && p.since <= was.summaryOf) continue;
    out.push({
      leaseId,
      type: p.state === 'kept' ? 'promise_kept' : 'promise_broken',
      detail: `promise of ${money(p.amountCents)} made ${p.since} ${p.state === 'kept' ? 'kept' : `broken (due by ${p.until})`}`,
      amountCents: p.amountCents,
      date: p.state === 'broken' ? p.until : p.since,
      hold: 'promise',
    });
  }

  if (was.readiness !== undefined && now.readiness !== undefined && was.readiness !== now.readiness)
    out.push({
      leaseId,
      type: 'readiness_changed',
      detail: `readiness ${was.readiness} → ${now.readiness}`,
      from: was.readiness,
      to: now.readiness,
    });
  return out;
}

function holdKey(h: HoldSnapshot): string {
  return [h.type, h.scope, h.since, h.until ?? '', h.chargeId ?? ''].join('|');
}

function promiseKey(p: PromiseSnapshot): string {
  return [p.since, p.until, p.amountCents].join('|');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
