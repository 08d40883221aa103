/**
 * One dispatch pass (SPEC 9 `arrears dispatch`; `arrears worker` repeats it): claim due items
 * a batch at a time and, for each, re-check (SPEC 1.3), then send through the item's provider
 * and record what the provider answered. The dispatcher branches only on the re-check result
 * and on the provider's outcome tag (domain/outbox/outcomes.ts).
 *
 *   re-check cancel paid/closed → cancelled (nothing sent)
 *   re-check wait hold          → approved again, due later (nothing sent; not an attempt)
 *   re-check skip reason        → skipped (nothing sent)
 *   re-check review, or a past-due amount that differs from the draft's
 *                               → a new draft version with the new amount, back to `draft`
 *                                 (`balance_changed`), needing a fresh approval
 *   task                        → a `tasks` row, in the transaction that marks it sent
 *   otherwise                   → the sender; accepted → sent, retry_after/retryable →
 *                                 approved with a later due time, rejected → failed,
 *                                 unknown → unknown
 *
 * Before calling a provider the claim is re-confirmed and the provider recorded, in its own
 * committed write (`beginSend`): a crash after it leaves evidence that the send may have
 * happened, so the item is re-sent only through an idempotent provider and otherwise becomes
 * `unknown`. A crash before it leaves an item that provably never left: it goes back to
 * dispatch whatever the provider.
 */
import type { Clock } from './ports/clock.js';
import type {
  ClaimResult,
  OutboxItem,
  OutboxStore,
  Recheck,
  RecheckResult,
  Sender,
  JsonObject,
  SenderRegistry,
  SendOutcome,
  TransitionOptions,
} from './ports/outbox.js';
// The ring rule's `**/outbox/**` glob targets the src/outbox/ adapter; domain/outbox is the pure core.
import {
  backoffMs,
  decideOutcome,
  DEFAULT_RETRY_POLICY,
  diffContent,
  OutboxConflictError,
  reasonText,
  type OutboxStatus,
  type RetryPolicy,
} from '../domain/outbox/index.js';

export interface DispatchDeps<Tx> {
  outbox: OutboxStore<Tx>;
  recheck: Recheck;
  senders: SenderRegistry;
  clock: Clock;
  /** Recorded as `claimed_by` and in the actor `worker:<id>`; unique per process. */
  workerId: string;
  /** After a provider refused an item (now `failed`): queue its fallback (R10). */
  onFailed?: (item: OutboxItem) => Promise<void>;
}

export interface DispatchOptions {
  /** One organisation, or null / absent for every organisation. */
  orgId?: string | null;
  /** Items claimed per batch (default 25). */
  batchSize?: number;
  /** How long a claim lasts before another worker may take the item over (default 60 s). */
  leaseMs?: number;
  /** When a hold keeps an item waiting, how soon it is re-checked (default 15 min). */
  holdRecheckMs?: number;
  retry?: RetryPolicy;
  /** Stop between items: the item in flight finishes, unstarted claims are released. */
  signal?: AbortSignal;
  /** Safety bound on batches in one pass (default 1000). */
  maxBatches?: number;
}

export interface DispatchCounts {
  claimed: number;
  /** Accepted by a provider. */
  sent: number;
  /** Tasks created. */
  tasks: number;
  /** Back to `approved` for a later retry. */
  retried: number;
  failed: number;
  unknown: number;
  cancelled: number;
  skipped: number;
  /** Sent back to review (`balance_changed`). */
  review: number;
  /** Kept waiting by a hold. */
  held: number;
  /** Claims released unstarted (shutdown). */
  released: number;
  /** Expired claims of crashed workers put back to dispatch. */
  reclaimed: number;
  /** Expired claims that became `unknown` (non-idempotent provider, send started). */
  lost: number;
  /** Items another worker or a person changed while this one held them. */
  conflicts: number;
}

export function emptyCounts(): DispatchCounts {
  return {
    claimed: 0,
    sent: 0,
    tasks: 0,
    retried: 0,
    failed: 0,
    unknown: 0,
    cancelled: 0,
    skipped: 0,
    review: 0,
    held: 0,
    released: 0,
    reclaimed: 0,
    lost: 0,
    conflicts: 0,
  };
}

export function addCounts(into: DispatchCounts, from: DispatchCounts): DispatchCounts {
  for (const k of Object.keys(into) as (keyof DispatchCounts)[]) into[k] += from[k];
  return into;
}

export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_HOLD_RECHECK_MS = 15 * 60_000;
export const DEFAULT_BATCH_SIZE = 25;

type ItemResult = Exclude<keyof DispatchCounts, 'claimed' | 'reclaimed' | 'lost' | 'released'>;

/** Claims and processes due items until none is left (items due before the pass began). */
export async function dispatchOutbox<Tx>(
  deps: DispatchDeps<Tx>,
  options: DispatchOptions = {},
): Promise<DispatchCounts> {
  const counts = emptyCounts();
  const passStart = new Date(deps.clock.now()).toISOString();
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const maxBatches = options.maxBatches ?? 1000;
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  for (let batch = 0; batch < maxBatches; batch++) {
    if (options.signal?.aborted) break;
    const claim: ClaimResult = await deps.outbox.claimDue(
      options.orgId ?? null,
      deps.workerId,
      new Date(deps.clock.now()).toISOString(),
      batchSize,
      leaseMs,
      {
        idempotent: (item) => isIdempotentFor(deps.senders, item),
        maxAttempts: retry.maxAttempts,
        dueBy: passStart,
      },
    );
    counts.claimed += claim.claimed.length;
    counts.reclaimed += claim.reclaimed.length;
    counts.lost += claim.lost.length;
    if (claim.claimed.length === 0) break;
    for (let i = 0; i < claim.claimed.length; i++) {
      if (options.signal?.aborted) {
        const rest = claim.claimed.slice(i).map((c) => ({ orgId: c.orgId, key: c.key }));
        counts.released += (await deps.outbox.releaseClaims(deps.workerId, rest)).length;
        return counts;
      }
      counts[await dispatchItem(deps, claim.claimed[i]!, { ...options, leaseMs, retry })]++;
    }
  }
  return counts;
}

/** Whether a crashed send of this item may be repeated: its provider dedupes on the key. */
function isIdempotentFor(senders: SenderRegistry, item: OutboxItem): boolean {
  if (item.type === 'task') return true;
  const sender = senders.senderFor(item);
  return sender !== undefined && sender.idempotent && sender.id === item.provider;
}

/** Re-checks, sends and records one claimed item; returns what became of it. */
export async function dispatchItem<Tx>(
  deps: DispatchDeps<Tx>,
  item: OutboxItem,
  options: DispatchOptions & { leaseMs: number; retry: RetryPolicy },
): Promise<ItemResult> {
  const { outbox, clock, workerId } = deps;
  const actor = `worker:${workerId}`;
  const now = () => new Date(clock.now()).toISOString();
  const move = (
    to: OutboxStatus,
    extra: Omit<TransitionOptions, 'actor' | 'claimedBy'>,
    result: ItemResult,
  ): Promise<ItemResult> =>
    guarded(() =>
      outbox.transaction((tx) =>
        outbox.transition(tx, item.orgId, item.key, to, { ...extra, actor, claimedBy: workerId }),
      ),
    ).then((ok) => (ok ? result : 'conflicts'));

  // 1. Re-check right before acting.
  let check: RecheckResult;
  try {
    check = await deps.recheck(item);
  } catch (e) {
    return move(
      'approved',
      {
        reason: reasonText('recheck_failed', (e as Error).message),
        dueAt: new Date(
          clock.now() + backoffMs(item.key, item.attempts, options.retry),
        ).toISOString(),
        uncountAttempt: true,
      },
      'retried',
    );
  }
  if ('cancel' in check) return move('cancelled', { reason: check.cancel }, 'cancelled');
  if ('skip' in check) return move('skipped', { reason: check.skip }, 'skipped');
  if ('wait' in check) {
    const minDue = clock.now() + options.retry.minDelayMs;
    const until = check.until !== undefined ? Date.parse(check.until) : NaN;
    const due = Number.isNaN(until)
      ? clock.now() + (options.holdRecheckMs ?? DEFAULT_HOLD_RECHECK_MS)
      : until;
    return move(
      'approved',
      {
        reason: check.wait,
        dueAt: new Date(Math.max(due, minDue)).toISOString(),
        uncountAttempt: true,
      },
      'held',
    );
  }
  if ('review' in check) return backToReview(deps, item, check.pastDueCents ?? null, check.content);
  if (
    item.approvalsRequired > 0 &&
    item.pastDueCents !== null &&
    check.pastDueCents !== null &&
    check.pastDueCents !== item.pastDueCents
  )
    return backToReview(deps, item, check.pastDueCents, check.content);

  // 2. Tasks are created here, in the transaction that marks the item sent.
  if (item.type === 'task') {
    const ok = await guarded(() =>
      outbox.transaction(async (tx) => {
        const at = now();
        await outbox.createTask(tx, item.orgId, {
          id: item.key,
          leaseId: item.leaseId,
          episode: item.episode,
          outboxKey: item.key,
          title: str(item.payload.title) ?? `${item.stage}: ${item.action}`,
          category: str(item.payload.category),
          assignee: str(item.payload.assignee),
          dueDate: str(item.payload.dueDate),
          data: item.payload,
          at,
        });
        await outbox.transition(tx, item.orgId, item.key, 'sent', {
          actor,
          claimedBy: workerId,
          provider: 'tasks',
          providerId: item.key,
          at,
        });
      }),
    );
    return ok ? 'tasks' : 'conflicts';
  }

  // 3. A provider.
  const sender = deps.senders.senderFor(item);
  if (!sender)
    return move(
      'failed',
      { reason: reasonText('no_provider', `no sender for ${describe(item)}`) },
      'failed',
    );
  if (!(await outbox.beginSend(item.orgId, item.key, workerId, sender.id, now(), options.leaseMs)))
    return 'conflicts';
  // The stop signal is not passed on: a stopping worker finishes the send in flight.
  const outcome = await send(sender, item);
  const decision = decideOutcome(outcome, {
    key: item.key,
    attempts: item.attempts,
    nowMs: clock.now(),
    policy: options.retry,
  });
  const audit = outcomeAudit(outcome);
  const recorded = await guarded(() =>
    outbox.transaction((tx) =>
      outbox.transition(tx, item.orgId, item.key, decision.to, {
        actor,
        claimedBy: workerId,
        reason: decision.reason,
        provider: sender.id,
        ...(decision.to === 'sent' ? { providerId: decision.providerId } : {}),
        ...(decision.to === 'approved' ? { dueAt: decision.dueAt } : {}),
        audit,
      }),
    ),
  );
  if (recorded && decision.to === 'failed' && deps.onFailed)
    // The failure is recorded either way; a fallback that could not be queued leaves the
    // item `failed` in the exception list for a person.
    await deps.onFailed(item).catch(() => undefined);
  if (recorded) return decision.to === 'approved' ? 'retried' : decision.to;
  // Our claim expired while the provider answered and another worker took the item over. If
  // it was marked unknown and we now know it went out, record that.
  if (decision.to === 'sent') {
    const late = await guarded(() =>
      outbox.transaction(async (tx) => {
        const current = await outbox.lock(tx, item.orgId, item.key);
        if (current?.status !== 'unknown')
          throw new OutboxConflictError(item.key, 'unknown', current?.status);
        await outbox.transition(tx, item.orgId, item.key, 'sent', {
          actor,
          reason: 'late_outcome',
          provider: sender.id,
          providerId: decision.providerId,
          audit,
        });
      }),
    );
    if (late) return 'sent';
  }
  return 'conflicts';
}

/** The draft goes back to review with the new past-due amount, as a new version. */
async function backToReview<Tx>(
  deps: DispatchDeps<Tx>,
  item: OutboxItem,
  pastDueCents: number | null,
  rendered?: JsonObject,
): Promise<ItemResult> {
  const { outbox, workerId } = deps;
  const actor = `worker:${workerId}`;
  const at = new Date(deps.clock.now()).toISOString();
  const content = {
    ...item.payload,
    ...rendered,
    ...(pastDueCents === null ? {} : { pastDueCents }),
  };
  const ok = await guarded(() =>
    outbox.transaction(async (tx) => {
      await outbox.addVersion(
        tx,
        item.orgId,
        item.key,
        { content, diff: diffContent(item.payload, content), by: actor, at },
        {
          reason: 'balance_changed',
          pastDueCents: { before: item.pastDueCents, after: pastDueCents },
        },
      );
      await outbox.transition(tx, item.orgId, item.key, 'draft', {
        actor,
        claimedBy: workerId,
        reason: 'balance_changed',
        minApprovals: 1,
        uncountAttempt: true,
        at,
        audit: { pastDueCentsBefore: item.pastDueCents, pastDueCentsNow: pastDueCents },
      });
    }),
  );
  return ok ? 'review' : 'conflicts';
}

async function send(sender: Sender, item: OutboxItem): Promise<SendOutcome> {
  try {
    return await sender.send(item, { idempotencyKey: item.key });
  } catch (e) {
    // A sender that throws lost its answer: safe to repeat only where the provider dedupes.
    const reason = e instanceof Error ? e.message : String(e);
    return sender.idempotent ? { tag: 'retryable', reason } : { tag: 'unknown', reason };
  }
}

/** What the audit log keeps of a provider's answer (no content). */
function outcomeAudit(outcome: SendOutcome): Record<string, string> {
  const out: Record<string, string> = { outcome: outcome.tag };
  if (outcome.tag === 'rejected') out.code = outcome.code;
  if (outcome.tag === 'retry_after') out.retryAt = outcome.at;
  return out;
}

/** Runs a write; false when another writer got there first (the item is no longer ours). */
async function guarded(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    if (e instanceof OutboxConflictError) return false;
    throw e;
  }
}

function describe(item: OutboxItem): string {
  return `${item.type}${(item.method ?? item.channel) ? ` by ${item.method ?? item.channel}` : ''}`;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
