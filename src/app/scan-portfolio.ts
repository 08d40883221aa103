/**
 * `arrears scan`: evaluate the leases that changed or came due and queue what the plan
 * says is due by `now`. Safe to run every minute, twice at once or after a crash: outbox
 * rows are keyed by SPEC R7 keys under a unique constraint, so a repeated plan inserts
 * nothing; cancellations only touch items not yet dispatched.
 */
import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '../domain/audit/canonical-json.js';
import type { Policy } from '../domain/policy/schema.js';
import type { Change } from '../domain/readiness/changes.js';
import { eventsAtRest } from '../domain/readiness/events-at-rest.js';
import { epochToLocal } from '../domain/time.js';
import { expireStaleItems, type OutboxExpiryStore } from './expire-stale-items.js';
import type { Clock } from './ports/clock.js';
import type { PolicyStore } from './ports/policies.js';
import type { PortfolioStore } from './ports/portfolio.js';
import type { PlannedItemsWriter, ScanCounts, ScanStateStore } from './ports/scan.js';
import { keepFirst, quietStates } from './evaluate-batch.js';
import { batchEvaluator, scanThreadCount, type PendingBatch } from './scan-threads.js';

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
  /**
   * Worker threads evaluating batches (0: none); by default one per spare core for a scan
   * of at least THREADED_SCAN_MIN_LEASES leases.
   */
  threads?: number;
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
  /**
   * The as-of instant of the last finished scan, when this scan is as of an earlier one (a
   * backdated `--at`, or a clock that stepped back).
   */
  earlierThanLastScan?: string;
}

/** Re-exported: the plan's horizon and the readiness gate live with the batch evaluation. */
export { HORIZON_DAYS, gateItems } from './evaluate-batch.js';

/** Changes a scan keeps in detail; beyond these it counts them (`changesOmitted`). */
export const MAX_CHANGES_KEPT = 10_000;

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
  const last = deps.state.lastScanStart ? await deps.state.lastScanStart(orgId) : null;
  const changedSince = expiryChangedSince(last, nowMs);
  await deps.state.startScan(orgId, scanId, new Date(deps.clock.now()).toISOString(), now);

  const counts: ScanCounts = { evaluated: 0, queued: 0, skipped: 0, cancelled: 0 };
  const unmatched: string[] = [];
  const { leaseIds: todo, every } =
    policies.length === 0
      ? { leaseIds: [], every: false }
      : await deps.state.leasesToEvaluate(orgId, now, policyHash, !!options.full);
  const changes: Change[] = [];
  // A first scan of a large portfolio finds every lease new: keep the first changes for the
  // "what changed" view and count the rest, instead of holding (and storing) a million.
  let changesOmitted = 0;
  const changesKept = options.changesKept ?? MAX_CHANGES_KEPT;
  const noteChanges = (found: readonly Change[]) => {
    changesOmitted += keepFirst(changes, found, changesKept);
  };
  const batch = options.batchSize ?? deps.state.batchLeases ?? SCAN_BATCH_LEASES;

  const todayIn = (timezone: string) => epochToLocal(nowMs, timezone).date;
  // Every lease from the first to the last (a full or first scan): batches are key ranges.
  const contiguous = todo.length > 0 && every;
  const evaluator = batchEvaluator(
    { policies, policyHash, nowMs },
    scanThreadCount(todo.length, options.threads),
    { youngGenerationMb: evaluatorYoungGenerationMb(batch) },
  );
  /**
   * A batch's previous states and settled leases. A first scan's quiet leases (paid up, no
   * events: most of a portfolio) are settled by the store in the same statement, their
   * states written without a round trip through the evaluator, once their one change each
   * (`lease_added`) is only counted: the previous states are read first to know the batch
   * has none. Otherwise both are read at once.
   */
  const readSettled = async (ids: string[], readAt: string, changesWanted: number) => {
    const settleQuietly = contiguous && changesWanted === 0 ? deps.state.settleQuietly : undefined;
    if (settleQuietly) {
      const previous = await deps.state.previousStates(orgId, ids, { contiguous });
      if (previous.length === 0) {
        const states = quietStates(policyHash, readAt);
        const { settled, quiet } = await settleQuietly.call(
          deps.state,
          orgId,
          ids,
          todayIn,
          states,
        );
        return { previous, candidates: settled, quiet };
      }
      const candidates = await deps.state.settledLeases(orgId, ids, todayIn, { contiguous });
      return { previous, candidates, quiet: [] as string[] };
    }
    const [previous, candidates] = await Promise.all([
      deps.state.previousStates(orgId, ids, { contiguous }),
      deps.state.settledLeases(orgId, ids, todayIn, { contiguous }),
    ]);
    return { previous, candidates, quiet: [] as string[] };
  };
  const prepareBatch = async (ids: string[]) => {
    // Wall-clock time before reading: a change written after the read is newer and is
    // picked up by the next scan.
    const readAt = new Date(deps.clock.now()).toISOString();
    const changesWanted = Math.max(0, changesKept - changes.length);
    // Most leases of a portfolio are paid up: settle those from one aggregate query and
    // evaluate only the rest (loading a ledger is most of a lease's cost).
    const { previous, candidates, quiet } = await readSettled(ids, readAt, changesWanted);
    const reportedBalance = new Map(previous.map((t) => [t.leaseId, t.reportedBalanceCents]));
    const settled = candidates.filter((s) => {
      const reported = reportedBalance.get(s.leaseId);
      if (reported != null && reported !== s.balanceCents) return false;
      return s.events === undefined || eventsAtRest(s.events, todayIn(s.timezone));
    });
    const settledIds = new Set(settled.map((s) => s.leaseId));
    for (const id of quiet) settledIds.add(id);
    const toLoad = ids.filter((id) => !settledIds.has(id));
    const loaded = toLoad.length > 0 ? await deps.portfolio.loadSliceForScan(orgId, toLoad) : null;
    const evaluation = await evaluator.evaluate(
      // Changes only grow: what is still wanted now bounds what this batch can add.
      { settled, loaded, previous, changesWanted },
      { withLinks: deps.payLinks !== undefined },
    );
    return { readAt, toLoad, evaluation, quiet: quiet.length };
  };
  const batches: string[][] = [];
  for (let i = 0; i < todo.length; i += batch) batches.push(todo.slice(i, i + batch));
  // Later batches are read and evaluated while this one is written: the database works on
  // some while the evaluator works on others. Results are applied in batch order.
  const inFlight: ReturnType<typeof prepareBatch>[] = [];
  let started = 0;
  const readAhead = () => {
    while (started < batches.length && inFlight.length < evaluator.lookahead) {
      const next = prepareBatch(batches[started++]!);
      // Awaited in its turn; this only keeps a failure meanwhile from being reported as
      // unhandled when an earlier batch fails first.
      next.catch(() => undefined);
      inFlight.push(next);
    }
  };
  // A batch's lease states are written while the next batch writes its items: they are
  // other leases, and a batch's states still follow its own items (a crash between leaves
  // those leases to be evaluated again, never marked done without their items).
  let statesWriting: Promise<void> = Promise.resolve();
  // The tables a scan of every lease writes may have been empty when the database last
  // looked at them (a first scan): their statistics are refreshed as they grow, and at the
  // end, so the per-batch reads of this scan and the next are planned for the tables as they
  // are (a plan for an empty outbox reads every draft of the organisation for each batch).
  // An incremental scan changes a small part of them: the database's own upkeep suffices.
  const refreshStatistics = contiguous ? deps.state.refreshStatistics : undefined;
  let written = 0;
  let analyzedAt = 0;
  let analyzeAt = ANALYZE_AFTER_STATES;
  try {
    readAhead();
    while (inFlight.length > 0) {
      const { readAt, toLoad, evaluation, quiet } = await inFlight.shift()!;
      readAhead();
      // Quiet leases were settled (and their states written) with the batch's read.
      counts.evaluated += quiet;
      changesOmitted += quiet;
      written += quiet;
      const states = await writeBatch(toLoad, evaluation);
      await statesWriting;
      if (written >= analyzeAt && refreshStatistics) {
        await refreshStatistics.call(deps.state);
        analyzedAt = written;
        analyzeAt = written * ANALYZE_GROWTH;
      }
      written += states.length;
      statesWriting = deps.state.saveLeaseStates(orgId, states, readAt);
      // Awaited before the next batch's states or at the end; a failure meanwhile is not
      // unhandled.
      statesWriting.catch(() => undefined);
    }
    await statesWriting;
    if (written >= ANALYZE_AFTER_STATES && analyzedAt < written / 2 && refreshStatistics)
      await refreshStatistics.call(deps.state);
  } finally {
    await statesWriting.catch(() => undefined);
    await evaluator.close();
  }

  /** Writes a batch's items, cancellations and cases; returns its lease states to write. */
  async function writeBatch(toLoad: string[], evaluation: PendingBatch) {
    const { result } = evaluation;
    noteChanges(result.changes);
    changesOmitted += result.changesOmitted;
    unmatched.push(...result.unmatched);
    counts.evaluated += result.evaluated;
    const { cancels, closed, episodes, evaluatedEpisodes, states } = result;
    // Pay links only for leases that draft a message now (one lookup per batch).
    const links =
      deps.payLinks && result.wantLinks.length > 0
        ? await deps.payLinks(orgId, result.wantLinks)
        : new Map<string, string>();
    const items = await evaluation.render(links);
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
    return states;
  }
  // Drafts the case has moved past, or that waited too long, expire (in their own writes).
  const { expired } = deps.expiry
    ? await expireStaleItems(
        { clock: deps.clock, expiry: deps.expiry },
        { orgId, at: nowMs, actor, ...(changedSince !== undefined ? { changedSince } : {}) },
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
    ...(last && Date.parse(last.asOf) > nowMs ? { earlierThanLastScan: last.asOf } : {}),
  };
}

/** Leases per batch when neither the caller nor the store says (`ScanStateStore.batchLeases`). */
export const SCAN_BATCH_LEASES = 2_000;

/** The young generation V8 gives a thread by default: enough for a batch of 1,000 leases. */
const YOUNG_MIB_PER_1000_LEASES = 48;

/**
 * The evaluator threads' young generation for batches of `batchLeases`: V8's default for
 * the default batch (SCAN_BATCH_LEASES), larger in proportion for larger ones. A thread
 * keeps a batch's results until it posts them; with the default, a batch of 4,000 leases
 * outlived some five collections of the young generation, each copying what it held and
 * the last promoting it. At a million leases on PostgreSQL the thread spent 10.3 s
 * collecting garbage with the default and 5.6 s with 192 MiB, for 85 MiB more at the peak.
 */
export function evaluatorYoungGenerationMb(batchLeases: number): number | undefined {
  return batchLeases > SCAN_BATCH_LEASES
    ? Math.round((batchLeases * YOUNG_MIB_PER_1000_LEASES) / 1000)
    : undefined;
}

/** Lease states a scan writes before it first refreshes the planner's statistics. */
const ANALYZE_AFTER_STATES = 10_000;
/** ... and again each time what it wrote grew this many times over. */
const ANALYZE_GROWTH = 4;

/** Slack for clocks of different processes (a dispatcher's transition times, the scan's). */
const EXPIRY_CLOCK_SLACK_MS = 3_600_000;

/**
 * Since when draft expiry needs to look for superseded messages: the last finished scan's
 * start, by the earlier of its wall clock and its as-of instant (items it created carry the
 * latter), less some slack. None before the first scan, or when this scan is as of an
 * earlier instant than the last (a backdated scan looks at everything).
 */
function expiryChangedSince(
  last: { startedAt: string; asOf: string } | null,
  nowMs: number,
): string | undefined {
  if (!last) return undefined;
  const asOf = Date.parse(last.asOf);
  const started = Date.parse(last.startedAt);
  if (!(asOf <= nowMs) || Number.isNaN(started)) return undefined;
  return new Date(Math.min(asOf, started) - EXPIRY_CLOCK_SLACK_MS).toISOString();
}
