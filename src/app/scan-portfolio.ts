/**
 * `arrears scan`: evaluate the leases that changed or came due and queue what the plan
 * says is due by `now`. Safe to run every minute, twice at once or after a crash: outbox
 * rows are keyed by SPEC R7 keys under a unique constraint, so a repeated plan inserts
 * nothing; cancellations only touch items not yet dispatched.
 */
import { createHash, randomUUID } from 'node:crypto';
import { addDays } from '../domain/dates.js';
import { canonicalJson } from '../domain/audit/canonical-json.js';
import { evaluateLease, type LeaseInput } from '../domain/evaluator/lease-run.js';
import { leaseInputs } from '../domain/evaluator/simulate.js';
import { withStaleLedgerHold } from '../domain/evaluator/stale-ledger.js';
import type { Policy } from '../domain/policy/schema.js';
import { epochToLocal, localToEpoch } from '../domain/time.js';
import type { Clock } from './ports/clock.js';
import { expireStaleItems, type OutboxExpiryStore } from './expire-stale-items.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type {
  LeaseStateRow,
  LeaseToEvaluate,
  PlannedItem,
  PlannedItemsWriter,
  ScanCounts,
  ScanStateStore,
  SettledLease,
} from './ports/scan.js';
import { planItems, storedPastDue } from './plan-items.js';
import { renderMessages } from './render-messages.js';
import type { EpisodeSummary } from '../domain/evaluator/types.js';
import {
  runSnapshot,
  snapshotOf,
  whatChanged,
  type Change,
  type LeaseSnapshot,
} from '../domain/readiness/changes.js';
import { leaseFactsOn } from '../domain/readiness/lease-facts.js';
import { leaseReadiness } from '../domain/readiness/readiness.js';

export interface ScanDeps {
  clock: Clock;
  portfolio: PortfolioStore;
  policies: PolicyStore;
  state: ScanStateStore;
  outbox: PlannedItemsWriter;
  /** Draft expiry at the end of the scan; without it nothing expires. */
  expiry?: OutboxExpiryStore;
  /**
   * Where each tenant pays online (a payments connector's hosted invoice page), for the
   * messages drafted now: lease id → URL. Leases without one get messages without a link.
   */
  payLinks?: (
    orgId: string,
    leases: readonly { leaseId: string; email: string | null }[],
  ) => Promise<ReadonlyMap<string, string>>;
}

export interface ScanOptions {
  orgId: string;
  /** Evaluate as of this instant (epoch ms) instead of the clock's now. */
  at?: number;
  /** Evaluate every lease, not only changed and due ones. */
  full?: boolean;
  actor?: string;
  /** Leases per batch (one read, one write). */
  batchSize?: number;
  /** Changes kept in detail (default MAX_CHANGES_KEPT); the rest are only counted. */
  changesKept?: number;
}

export interface ScanResult extends ScanCounts {
  scanId: string;
  /** What changed since the previous scan of each evaluated lease (the first MAX_CHANGES_KEPT). */
  changes: Change[];
  /** Changes found beyond those kept in `changes`. */
  changesOmitted: number;
  asOf: string;
  /** Leases with no matching policy (not evaluated). */
  unmatched: string[];
  /** Drafts and approved items expired at the end of the scan (superseded or stale). */
  expired: number;
}

/**
 * How far ahead the plan looks to know when the lease is next due. A lease with nothing
 * scheduled inside it is looked at again when the horizon ends (a cheap evaluation).
 */
export const HORIZON_DAYS = 45;

/** Changes a scan keeps in detail; beyond these it counts them (`changesOmitted`). */
export const MAX_CHANGES_KEPT = 10_000;

/** How soon a lease held by a stale ledger is looked at again. */
const STALE_RECHECK_MS = 3_600_000;

export function policiesFingerprint(policies: readonly Policy[]): string {
  return createHash('sha256').update(canonicalJson(policies)).digest('hex').slice(0, 32);
}

export async function scanPortfolio(deps: ScanDeps, options: ScanOptions): Promise<ScanResult> {
  const { orgId } = options;
  const nowMs = options.at ?? deps.clock.now();
  const now = new Date(nowMs).toISOString();
  const actor = options.actor ?? 'system:scan';
  const stored = await deps.policies.current(orgId);
  const policies = stored.map((s) => s.policy);
  const policyHash = policiesFingerprint(policies);
  const scanId = `scan-${randomUUID()}`;
  await deps.state.startScan(orgId, scanId, new Date(deps.clock.now()).toISOString(), now);

  const counts: ScanCounts = { evaluated: 0, queued: 0, skipped: 0, cancelled: 0 };
  const unmatched: string[] = [];
  const todo =
    policies.length === 0
      ? []
      : await deps.state.leasesToEvaluate(orgId, now, policyHash, !!options.full);
  const changes: Change[] = [];
  // A first scan of a large portfolio finds every lease new: keep the first changes for the
  // "what changed" view and count the rest, instead of holding (and storing) a million.
  let changesOmitted = 0;
  const changesKept = options.changesKept ?? MAX_CHANGES_KEPT;
  const noteChanges = (found: Change[]) => {
    for (const c of found)
      if (changes.length < changesKept) changes.push(c);
      else changesOmitted++;
  };
  const batch = options.batchSize ?? 2000;

  const todayIn = (timezone: string) => epochToLocal(nowMs, timezone).date;
  // Every lease from the first to the last (a full or first scan): batches are key ranges.
  const contiguous =
    todo.length > 0 && (!!options.full || todo.length === (await deps.state.countLeases(orgId)));
  const readBatch = async (ids: string[]) => {
    // Wall-clock time before reading: a change written after the read is newer and is
    // picked up by the next scan.
    const readAt = new Date(deps.clock.now()).toISOString();
    // Most leases of a portfolio are paid up: settle those from one aggregate query and
    // evaluate only the rest (loading a ledger is most of a lease's cost).
    const [states, candidates] = await Promise.all([
      deps.state.previousStates(orgId, ids, { contiguous }),
      deps.state.settledLeases(orgId, ids, todayIn, { contiguous }),
    ]);
    const previous = new Map(states.map((t) => [t.leaseId, t]));
    const settled = candidates.filter((s) => {
      const reported = previous.get(s.leaseId)?.reportedBalanceCents;
      return reported == null || reported === s.balanceCents;
    });
    const settledIds = new Set(settled.map((s) => s.leaseId));
    const toLoad = ids.filter((id) => !settledIds.has(id));
    const loaded = toLoad.length > 0 ? await deps.portfolio.loadPortfolio(orgId, toLoad) : null;
    return { readAt, previous, settled, toLoad, loaded };
  };
  const batches: string[][] = [];
  for (let i = 0; i < todo.length; i += batch) batches.push(todo.slice(i, i + batch));
  // The next batch is read while this one is evaluated and written: the database works on
  // one while the evaluator works on the other.
  let next = batches.length > 0 ? readBatch(batches[0]!) : null;
  for (let b = 0; b < batches.length; b++) {
    const { readAt, previous, settled, toLoad, loaded } = await next!;
    next = b + 1 < batches.length ? readBatch(batches[b + 1]!) : null;
    // Awaited at the top of the next round; this only keeps a failure meanwhile from
    // being reported as unhandled when this round fails first.
    next?.catch(() => undefined);
    const states: LeaseStateRow[] = [];
    for (const s of settled) {
      const today = todayIn(s.timezone);
      const prev = previous.get(s.leaseId);
      const snapshot = settledSnapshot(s, today);
      noteChanges(changesSince(prev, today, snapshot));
      states.push({
        leaseId: s.leaseId,
        trackingFrom: prev?.trackingFrom ?? today,
        nextDueAt: new Date(settledWake(s, today)).toISOString(),
        readiness: 'current',
        readinessReason: null,
        inputHash: policyHash,
        snapshot: JSON.stringify(snapshot),
      });
      counts.evaluated++;
    }
    const { inputs, extras } = loaded
      ? leaseInputs(loaded, policies)
      : { inputs: [], extras: { unmatched: [] as string[] } };
    unmatched.push(...extras.unmatched);
    for (const leaseId of extras.unmatched)
      states.push({
        leaseId,
        trackingFrom: previous.get(leaseId)?.trackingFrom ?? now.slice(0, 10),
        nextDueAt: null,
        readiness: 'blocked',
        readinessReason: 'no_policy',
        inputHash: policyHash,
        snapshot: null,
      });

    const items: PlannedItem[] = [];
    const cancels: { key: string; reason: string }[] = [];
    const closed = new Map<string, Map<number, string>>();
    const episodes: EpisodeSummary[] = [];
    const evaluatedEpisodes: { leaseId: string; today: string; episodes: number[] }[] = [];
    const toRender: { input: LeaseInput; items: PlannedItem[] }[] = [];
    for (const fresh of inputs) {
      // R8 stale_ledger: derived from the source's lastSyncAt, never stored.
      const input = withStaleLedgerHold(fresh, loaded?.sources ?? [], nowMs);
      const today = todayIn(input.property.timezone);
      const prev = previous.get(input.lease.id);
      const from = prev?.trackingFrom ?? today;
      const timeline = evaluateLease(input, { from, to: addDays(today, HORIZON_DAYS) });
      const pastDueAt = (d: string) => storedPastDue(input, d);
      const plan = planItems(timeline, nowMs, today, pastDueAt);
      // Look again when the plan changes on its own: the next scheduled action, or the
      // start of a later day on which a case opens or closes or dated data takes effect.
      let wake =
        plan.nextDueAt === null
          ? localToEpoch(addDays(today, HORIZON_DAYS), 0, input.property.timezone)
          : Date.parse(plan.nextDueAt);
      const laterDates = [
        ...timeline.episodes.flatMap((e) => [e.opened, e.closed ?? '']),
        ...input.ledger.map((e) => e.date),
        ...input.events.map((e) => e.date),
      ].filter((d) => d > today);
      if (laterDates.length > 0) {
        const first = laterDates.reduce((a, b) => (a < b ? a : b));
        wake = Math.min(wake, localToEpoch(first, 0, input.property.timezone));
      }
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
      toRender.push({ input, items: gate.items });
      const snapshot = snapshotOf(input, today, timeline, { readiness: readiness.state, facts });
      noteChanges(changesSince(prev, today, snapshot));
      cancels.push(...plan.cancelled);
      if (plan.closedEpisodes.length > 0)
        closed.set(input.lease.id, new Map(plan.closedEpisodes.map((e) => [e.episode, e.outcome])));
      episodes.push(...timeline.episodes.filter((e) => e.opened <= today));
      evaluatedEpisodes.push({
        leaseId: input.lease.id,
        today,
        episodes: timeline.episodes.map((e) => e.episode),
      });
      states.push({
        leaseId: input.lease.id,
        trackingFrom: from,
        nextDueAt,
        readiness: readiness.state,
        readinessReason: readiness.reasons.map((r) => r.code).join(',') || null,
        inputHash: policyHash,
        snapshot: JSON.stringify(snapshot),
      });
      counts.evaluated++;
    }

    // Pay links only for leases that draft a message now (one lookup per batch).
    const wantLinks = toRender.filter((r) =>
      r.items.some((it) => it.type === 'message' && it.status !== 'skipped'),
    );
    const links =
      deps.payLinks && wantLinks.length > 0
        ? await deps.payLinks(
            orgId,
            wantLinks.map((r) => ({
              leaseId: r.input.lease.id,
              email: r.input.contacts.find((c) => c.email)?.email ?? null,
            })),
          )
        : new Map<string, string>();
    for (const r of toRender)
      items.push(...renderMessages(r.input, r.items, links.get(r.input.lease.id)));
    const inserted = new Set(await deps.outbox.insertPlanned(orgId, items, actor, now));
    for (const it of items)
      if (inserted.has(it.key)) {
        if (it.status === 'skipped') counts.skipped++;
        else counts.queued++;
      }
    // A stored open case the evaluation no longer yields was paid before it mattered.
    const vanished = deps.state.closeVanishedCases
      ? await deps.state.closeVanishedCases(orgId, evaluatedEpisodes, now)
      : [];
    for (const v of vanished) {
      const m = closed.get(v.leaseId) ?? new Map<number, string>();
      m.set(v.episode, 'paid');
      closed.set(v.leaseId, m);
    }
    // Cancel what the plan cancelled and everything still open in a closed episode.
    const open = await deps.outbox.openItems(orgId, toLoad);
    const openKeys = new Map(open.map((o) => [o.key, o]));
    const toCancel = new Map<string, string>();
    for (const c of cancels) if (openKeys.has(c.key)) toCancel.set(c.key, c.reason);
    for (const o of open) {
      const outcome = closed.get(o.leaseId)?.get(o.episode);
      if (outcome !== undefined && !toCancel.has(o.key))
        toCancel.set(o.key, outcome === 'paid' ? 'paid' : 'closed');
    }
    for (const [key, reason] of toCancel)
      if (await deps.outbox.cancel(orgId, key, reason, actor, now)) counts.cancelled++;

    await deps.state.saveEpisodes(orgId, episodes, now);
    await deps.state.saveLeaseStates(orgId, states, readAt);
  }
  // Drafts the case has moved past, or that waited too long, expire (in their own writes).
  const { expired } = deps.expiry
    ? await expireStaleItems(
        { clock: deps.clock, expiry: deps.expiry },
        { orgId, at: nowMs, actor },
      )
    : { expired: [] };
  await deps.state.finishScan(
    orgId,
    scanId,
    new Date(deps.clock.now()).toISOString(),
    changesOmitted > 0 ? { ...counts, changesOmitted } : counts,
    changes,
  );
  return {
    scanId,
    asOf: now,
    unmatched,
    changes,
    changesOmitted,
    ...counts,
    expired: expired.length,
  };
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
    replyIds: [],
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
