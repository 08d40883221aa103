/**
 * One scan batch, evaluated: the settled leases' states from their aggregates, and for the
 * rest the evaluator's timeline, the plan, readiness, the snapshot and "what changed".
 * Pure (data and an instant in, data out), so a scan can run it on a worker thread: the
 * batch, the result and the rendered items are plain data that cross threads as they are.
 */
import { addDays } from '../domain/dates.js';
import { evaluateLease, type LeaseInput } from '../domain/evaluator/lease-run.js';
import { leaseInputs } from '../domain/evaluator/simulate.js';
import { withStaleLedgerHold } from '../domain/evaluator/stale-ledger.js';
import type { EpisodeSummary } from '../domain/evaluator/types.js';
import type { Policy } from '../domain/policy/schema.js';
import {
  runSnapshot,
  snapshotOf,
  whatChanged,
  type Change,
  type LeaseSnapshot,
} from '../domain/readiness/changes.js';
import { leaseFactsOn, replyIdsOf } from '../domain/readiness/lease-facts.js';
import { leaseReadiness } from '../domain/readiness/readiness.js';
import { epochToLocal, localToEpoch } from '../domain/time.js';
import { planItems, storedPastDue } from './plan-items.js';
import { leaseLedger, type PortfolioWithLedgerText } from './ports/portfolio.js';
import type {
  LeaseStateRow,
  LeaseToEvaluate,
  PlannedItem,
  QuietStates,
  SettledLease,
} from './ports/scan.js';
import { renderMessages } from './render-messages.js';

/**
 * How far ahead the plan looks to know when the lease is next due. A lease with nothing
 * scheduled inside it is looked at again when the horizon ends (a cheap evaluation).
 */
export const HORIZON_DAYS = 45;

/** How soon a lease held by a stale ledger is looked at again. */
const STALE_RECHECK_MS = 3_600_000;

/** What a scan evaluates against: the same for every batch of the scan. */
export interface ScanFrame {
  policies: readonly Policy[];
  /** Fingerprint of `policies`, stored with each lease's state. */
  policyHash: string;
  /** The instant evaluated as of (epoch ms). */
  nowMs: number;
}

export interface BatchToEvaluate {
  /** Leases the aggregate found settled (no ledger loaded). */
  settled: readonly SettledLease[];
  /**
   * The other leases' data (their slice of the portfolio, the ledger as JSON text until it
   * is evaluated), or null when there are none.
   */
  loaded: PortfolioWithLedgerText | null;
  /** What the previous scan stored for the batch's leases. */
  previous: readonly LeaseToEvaluate[];
  /**
   * Changes the scan still keeps in detail (default: all): beyond these the batch only
   * counts them, so a first scan does not pass a million `lease_added` between threads.
   */
  changesWanted?: number;
}

export interface BatchEvaluation {
  states: LeaseStateRow[];
  /** Leases with no matching policy (not evaluated). */
  unmatched: string[];
  /** What changed since the previous scan, lease by lease in batch order (the first `changesWanted`). */
  changes: Change[];
  /** Changes found beyond `changesWanted`. */
  changesOmitted: number;
  evaluated: number;
  /** Open items the plan cancels, by key. */
  cancels: { key: string; reason: string }[];
  /** Episodes the evaluation closed: lease id → episode → outcome. */
  closed: Map<string, Map<number, string>>;
  /** Episodes opened by today, for the stored cases. */
  episodes: EpisodeSummary[];
  /** Every episode the evaluation yields per lease (a stored one missing was paid). */
  evaluatedEpisodes: { leaseId: string; today: string; episodes: number[] }[];
  /** Leases that draft a message now: their pay links are looked up before rendering. */
  wantLinks: { leaseId: string; email: string | null }[];
}

/** The evaluation, and its planned items rendered with the pay links found meanwhile. */
export interface EvaluatedBatch {
  result: BatchEvaluation;
  render(links: ReadonlyMap<string, string>): PlannedItem[];
}

/**
 * `renderNow`: the items are rendered lease by lease as they are planned (no pay links to
 * wait for), so each lease's parsed ledger is garbage as soon as it is done with, not kept
 * for the whole batch.
 */
export function evaluateBatch(
  frame: ScanFrame,
  batch: BatchToEvaluate,
  options: { renderNow?: boolean } = {},
): EvaluatedBatch {
  const { policies, policyHash, nowMs } = frame;
  const now = new Date(nowMs).toISOString();
  const todayIn = (timezone: string) => epochToLocal(nowMs, timezone).date;
  const previous = new Map(batch.previous.map((t) => [t.leaseId, t]));
  const result: BatchEvaluation = {
    states: [],
    unmatched: [],
    changes: [],
    changesOmitted: 0,
    evaluated: 0,
    cancels: [],
    closed: new Map(),
    episodes: [],
    evaluatedEpisodes: [],
    wantLinks: [],
  };
  const changesWanted = batch.changesWanted ?? Infinity;
  /** The lease's changes since `prev`: kept while wanted, else counted. */
  const noteChanges = (
    prev: LeaseToEvaluate | undefined,
    today: string,
    snapshot: LeaseSnapshot,
  ) => {
    // A lease without a previous snapshot has one change, `lease_added`: once no more are
    // wanted in detail (most of a first scan) it is counted without being written out.
    if (!prev?.snapshot && result.changes.length >= changesWanted) result.changesOmitted++;
    else
      result.changesOmitted += keepFirst(
        result.changes,
        changesSince(prev, today, snapshot),
        changesWanted,
      );
  };

  for (const s of batch.settled) {
    const today = todayIn(s.timezone);
    const prev = previous.get(s.leaseId);
    const snapshot = settledSnapshot(s, today);
    noteChanges(prev, today, snapshot);
    result.states.push({
      leaseId: s.leaseId,
      trackingFrom: prev?.trackingFrom ?? today,
      nextDueAt: new Date(settledWake(s, today)).toISOString(),
      readiness: 'current',
      readinessReason: null,
      inputHash: policyHash,
      snapshot: JSON.stringify(snapshot),
    });
    result.evaluated++;
  }

  const loaded = batch.loaded;
  // Each lease's ledger is parsed when its turn comes (below).
  const { inputs, extras } = loaded
    ? leaseInputs({ ...loaded, ledger: [] }, policies)
    : { inputs: [], extras: { unmatched: [] as string[] } };
  result.unmatched.push(...extras.unmatched);
  for (const leaseId of extras.unmatched)
    result.states.push({
      leaseId,
      trackingFrom: previous.get(leaseId)?.trackingFrom ?? now.slice(0, 10),
      nextDueAt: null,
      readiness: 'blocked',
      readinessReason: 'no_policy',
      inputHash: policyHash,
      snapshot: null,
    });

  const toRender: { input: LeaseInput; items: PlannedItem[] }[] = [];
  const rendered: PlannedItem[] = [];
  for (const unparsed of inputs) {
    const fresh = { ...unparsed, ledger: leaseLedger(loaded!, unparsed.lease.id) };
    // R8 stale_ledger: derived from the source's lastSyncAt, never stored.
    const input = withStaleLedgerHold(fresh, loaded?.sources ?? [], nowMs);
    const today = todayIn(input.property.timezone);
    const prev = previous.get(input.lease.id);
    const from = prev?.trackingFrom ?? today;
    const timeline = evaluateLease(input, {
      from,
      to: addDays(today, HORIZON_DAYS),
      nextDueAfter: nowMs,
    });
    // Most of a lease's items share a few dates.
    const pastDueOn = new Map<string, number>();
    const pastDueAt = (d: string) => {
      let cents = pastDueOn.get(d);
      if (cents === undefined) pastDueOn.set(d, (cents = storedPastDue(input, d)));
      return cents;
    };
    const plan = planItems(timeline, nowMs, today, pastDueAt);
    // Look again when the plan changes on its own: the next scheduled action, or the
    // start of a later day on which a case opens or closes or dated data takes effect.
    let wake =
      plan.nextDueAt === null
        ? localToEpoch(addDays(today, HORIZON_DAYS), 0, input.property.timezone)
        : Date.parse(plan.nextDueAt);
    const later = firstDateAfter(today, input, timeline.episodes);
    if (later !== null) wake = Math.min(wake, localToEpoch(later, 0, input.property.timezone));
    // SPEC 5: readiness gates drafts. `review` still drafts, always for a human; the
    // other exception states hold drafts back until they clear (looked at again daily).
    const facts = leaseFactsOn(input, today);
    const readiness = leaseReadiness(input, today, {
      facts,
      ...(prev?.reportedBalanceCents != null
        ? { reportedBalanceCents: prev.reportedBalanceCents }
        : {}),
    });
    const gate = gateItems(plan.items, readiness.state);
    if (gate.withheld > 0)
      wake = Math.min(wake, localToEpoch(addDays(today, 1), 0, input.property.timezone));
    // A stale ledger ends with a sync, which need not change the lease: look again soon.
    if (input !== fresh) wake = Math.min(wake, nowMs + STALE_RECHECK_MS);
    const nextDueAt = Number.isFinite(wake) ? new Date(wake).toISOString() : null;
    if (options.renderNow) rendered.push(...renderMessages(input, gate.items, undefined));
    else toRender.push({ input, items: gate.items });
    if (gate.items.some((it) => it.type === 'message' && it.status !== 'skipped'))
      result.wantLinks.push({
        leaseId: input.lease.id,
        email: input.contacts.find((c) => c.email)?.email ?? null,
      });
    const snapshot = snapshotOf(input, today, timeline, { readiness: readiness.state, facts });
    noteChanges(prev, today, snapshot);
    result.cancels.push(...plan.cancelled);
    if (plan.closedEpisodes.length > 0)
      result.closed.set(
        input.lease.id,
        new Map(plan.closedEpisodes.map((e) => [e.episode, e.outcome])),
      );
    for (const e of timeline.episodes) if (e.opened <= today) result.episodes.push(e);
    result.evaluatedEpisodes.push({
      leaseId: input.lease.id,
      today,
      episodes: timeline.episodes.map((e) => e.episode),
    });
    result.states.push({
      leaseId: input.lease.id,
      trackingFrom: from,
      nextDueAt,
      readiness: readiness.state,
      readinessReason: readiness.reasons.map((r) => r.code).join(',') || null,
      inputHash: policyHash,
      snapshot: JSON.stringify(snapshot),
    });
    result.evaluated++;
  }

  return {
    result,
    render: (links) =>
      options.renderNow
        ? rendered
        : toRender.flatMap((r) => renderMessages(r.input, r.items, links.get(r.input.lease.id))),
  };
}

/** The first local date after `today` on which an episode opens or closes or data takes effect. */
function firstDateAfter(
  today: string,
  input: LeaseInput,
  episodes: readonly EpisodeSummary[],
): string | null {
  let first: string | null = null;
  const consider = (d: string | null | undefined) => {
    if (d && d > today && (first === null || d < first)) first = d;
  };
  for (const e of episodes) {
    consider(e.opened);
    consider(e.closed);
  }
  for (const e of input.ledger) consider(e.date);
  for (const e of input.events) consider(e.date);
  return first;
}

/** Appends `found` to `kept` while it holds fewer than `limit`; returns how many did not fit. */
export function keepFirst<T>(kept: T[], found: readonly T[], limit: number): number {
  let omitted = 0;
  for (const x of found)
    if (kept.length < limit) kept.push(x);
    else omitted++;
  return omitted;
}

/** What changed for one lease since the snapshot the previous scan stored. */
function changesSince(
  prev: LeaseToEvaluate | undefined,
  today: string,
  snapshot: LeaseSnapshot,
): Change[] {
  const before = prev?.snapshot ? (JSON.parse(prev.snapshot) as LeaseSnapshot) : null;
  const prevAt = before ? (prev?.trackingFrom ?? today) : today;
  return whatChanged(runSnapshot(prevAt, before ? [before] : []), runSnapshot(today, [snapshot]));
}

/** A settled lease's snapshot, from the aggregate alone (no payment detail: `summaryOf`). */
function settledSnapshot(s: SettledLease, today: string): LeaseSnapshot {
  return {
    leaseId: s.leaseId,
    pastDueCents: 0,
    balanceCents: s.balanceCents,
    openEpisode: null,
    holds: [],
    // Replies are known by id; promises (all over by now, `eventsAtRest`) by `summaryOf`.
    replyIds: s.events ? replyIdsOf(s.events, today) : [],
    promises: [],
    readiness: 'current',
    summaryOf: today,
  };
}

/**
 * When a settled lease can next change on its own: the day a dated entry takes effect, or
 * the day after a charge on the ledger falls due; otherwise at the end of the horizon.
 */
function settledWake(s: SettledLease, today: string): number {
  const dates = [s.nextEntryDate, s.nextDueDate === null ? null : addDays(s.nextDueDate, 1)]
    .filter((d): d is string => d !== null && d > today)
    .sort();
  return localToEpoch(dates[0] ?? addDays(today, HORIZON_DAYS), 0, s.timezone);
}

/**
 * The rule of `settledSnapshot` and `settledWake` for a lease without events and without a
 * previous state, for a store that writes such states itself (`settleQuietly`): the state
 * the loop above would give it.
 */
export function quietStates(policyHash: string, evaluatedAt: string): QuietStates {
  return {
    policyHash,
    evaluatedAt,
    horizonDays: HORIZON_DAYS,
    wakeAt: (timezone, date) => new Date(localToEpoch(date, 0, timezone)).toISOString(),
  };
}

/** States whose drafts wait until they clear (SPEC 5); tasks and restores always go. */
const WITHHOLDING = new Set([
  'hold',
  'disputed',
  'recent_payment',
  'payment_plan',
  'credit_ambiguous',
  'blocked',
]);

export function gateItems(
  items: readonly PlannedItem[],
  state: string,
): { items: PlannedItem[]; withheld: number } {
  const out: PlannedItem[] = [];
  let withheld = 0;
  for (const it of items) {
    const exempt = it.status === 'skipped' || it.type === 'task' || it.stage.startsWith('$');
    if (!exempt && WITHHOLDING.has(state)) {
      withheld++;
      continue;
    }
    if (!exempt && state === 'review' && it.approvalsRequired === 0)
      out.push({
        ...it,
        status: 'draft',
        approvalsRequired: 1,
        payload: { ...it.payload, review: true },
      });
    else out.push(it);
  }
  return { items: out, withheld };
}
