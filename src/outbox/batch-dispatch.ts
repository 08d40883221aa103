/**
 * A dispatch pass that records outcomes in batches and can send several items at once: the
 * pass `arrears worker` runs when the outbox store can record many transitions in one
 * transaction (storage/repos/outbox-repo.ts `transitionMany`). Per item it is the pass of
 * app/dispatch-outbox.ts, step for step:
 *
 *   claim a batch (one transaction) → re-check the item right before acting → anything but
 *   "go" (cancel, skip, wait, review, a changed past-due amount), a task, an item no provider
 *   handles: the use case's own `dispatchItem` → otherwise `beginSend` (committed) → send →
 *   record the provider's answer.
 *
 * What differs is when things are written, for providers that deduplicate on the key
 * (idempotent senders): their sends are begun by the claim itself (the claim records the
 * provider, as `beginSend` would, and commits before the first send), and their answers
 * wait for the rest of the batch and are recorded
 * together (one guarded update per kind of change, one history insert, one audit append: one
 * lock of the organisation's audit chain head per batch instead of one per item). Should the
 * worker die in between, those items are `dispatching` with their provider recorded: when
 * the claims expire they are sent again with the same idempotency key and the provider
 * deduplicates — nothing is lost or delivered twice. A non-idempotent provider's send is
 * begun right before it and its answer recorded at once, as before, so a crash leaves at
 * most the items in flight `unknown`.
 *
 * `concurrency` items of a batch are in flight at a time (default 1: one after the other).
 * Stopping (the signal) lets the items in flight finish and releases the batch's items not
 * yet started.
 */
import {
  addCounts,
  dispatchItem,
  emptyCounts,
  DEFAULT_BATCH_SIZE,
  DEFAULT_LEASE_MS,
  type DispatchCounts,
  type DispatchDeps,
  type DispatchOptions,
} from '../app/dispatch-outbox.js';
import type {
  ClaimOptions,
  ClaimResult,
  OutboxItem,
  OutboxStore,
  RecheckResult,
  Sender,
  SendOutcome,
  TransitionOptions,
} from '../app/ports/outbox.js';
import {
  decideOutcome,
  DEFAULT_RETRY_POLICY,
  OutboxConflictError,
  type OutboxStatus,
  type OutcomeDecision,
  type RetryPolicy,
} from '../domain/outbox/index.js';

/**
 * An outbox store that can record many items at once (storage/repos/outbox-repo.ts): each
 * operation does what the one-item operation does, for a list.
 */
export interface BatchOutboxStore<Tx> extends OutboxStore<Tx> {
  /** `transition` for each change, in one transaction; a conflict is returned, not thrown. */
  transitionMany(
    tx: Tx,
    changes: readonly {
      orgId: string;
      key: string;
      to: OutboxStatus;
      options: TransitionOptions;
      /** The caller's view: the change applies only if the item is still in its status. */
      expected?: OutboxItem;
    }[],
  ): Promise<(OutboxItem | OutboxConflictError)[]>;
  /**
   * `claimDue`; `beginSend` names the provider of items whose send begins with the claim
   * (providers that deduplicate on the key): recorded as `beginSend` records it.
   */
  claimDue(
    orgId: string | null,
    workerId: string,
    now: string,
    limit: number,
    leaseMs: number,
    options?: ClaimOptions & { beginSend?: (item: OutboxItem) => string | undefined },
  ): Promise<ClaimResult>;
  /** Releases claims that never reached a provider, even if their send was begun. */
  releaseUnsent(
    workerId: string,
    keys: readonly { orgId: string; key: string }[],
  ): Promise<string[]>;
}

export function canBatch<Tx>(outbox: OutboxStore<Tx>): outbox is BatchOutboxStore<Tx> {
  const o = outbox as Partial<BatchOutboxStore<Tx>>;
  return typeof o.transitionMany === 'function' && typeof o.releaseUnsent === 'function';
}

export interface BatchDispatchOptions extends DispatchOptions {
  /** Items of a batch in flight at a time (default 1). */
  concurrency?: number;
  /** After each batch: what became of its items (for metrics). */
  onBatch?: (counts: DispatchCounts) => void;
  /** After each provider call: which, how long, what it answered (for metrics). */
  onCall?: (call: {
    connector: string;
    latencySeconds: number;
    outcome: SendOutcome['tag'];
  }) => void;
}

type ItemResult = Awaited<ReturnType<typeof dispatchItem>>;

interface Answered {
  item: OutboxItem;
  sender: Sender;
  outcome: SendOutcome;
  decision: OutcomeDecision;
}

/** Claims and processes due items until none is left (items due before the pass began). */
export async function dispatchInBatches<Tx>(
  deps: DispatchDeps<Tx> & { outbox: BatchOutboxStore<Tx> },
  options: BatchDispatchOptions = {},
): Promise<DispatchCounts> {
  const counts = emptyCounts();
  const passStart = new Date(deps.clock.now()).toISOString();
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const maxBatches = options.maxBatches ?? 1000;
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const itemOptions = { ...options, leaseMs, retry };
  for (let batch = 0; batch < maxBatches; batch++) {
    if (options.signal?.aborted) break;
    const claim: ClaimResult = await deps.outbox.claimDue(
      options.orgId ?? null,
      deps.workerId,
      new Date(deps.clock.now()).toISOString(),
      batchSize,
      leaseMs,
      {
        idempotent: (item) => isIdempotentFor(deps, item),
        maxAttempts: retry.maxAttempts,
        dueBy: passStart,
        // Sends to providers that deduplicate on the key begin with the claim.
        beginSend: (item: OutboxItem) => {
          const sender = item.type === 'task' ? undefined : deps.senders.senderFor(item);
          return sender?.idempotent ? sender.id : undefined;
        },
      },
    );
    const batchCounts = emptyCounts();
    batchCounts.claimed = claim.claimed.length;
    batchCounts.reclaimed = claim.reclaimed.length;
    batchCounts.lost = claim.lost.length;
    let stopped = false;
    try {
      if (claim.claimed.length > 0)
        stopped = await runBatch(deps, claim.claimed, itemOptions, batchCounts);
    } finally {
      addCounts(counts, batchCounts);
      options.onBatch?.(batchCounts);
    }
    if (claim.claimed.length === 0 || stopped) break;
  }
  return counts;
}

/** Whether a crashed send of this item may be repeated: its provider dedupes on the key. */
function isIdempotentFor<Tx>(deps: DispatchDeps<Tx>, item: OutboxItem): boolean {
  if (item.type === 'task') return true;
  const sender = deps.senders.senderFor(item);
  return sender !== undefined && sender.idempotent && sender.id === item.provider;
}

/** One claimed batch; true when the pass was stopped. */
async function runBatch<Tx>(
  deps: DispatchDeps<Tx> & { outbox: BatchOutboxStore<Tx> },
  items: readonly OutboxItem[],
  options: BatchDispatchOptions & { leaseMs: number; retry: RetryPolicy },
  counts: DispatchCounts,
): Promise<boolean> {
  const senders = items.map((item) =>
    item.type === 'task' ? undefined : deps.senders.senderFor(item),
  );
  let waiting: Answered[] = [];
  // Answers are recorded at the end of the batch — or sooner when the batch runs long (slow
  // providers), well before the claims of the items already answered could expire.
  let flushed = deps.clock.now();
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const due = waiting;
    waiting = [];
    flushed = deps.clock.now();
    flushing = flushing.then(() => record(deps, due, counts));
    return flushing;
  };
  let next = 0;
  let stopped = false;
  const lane = async () => {
    while (next < items.length) {
      if (options.signal?.aborted) {
        stopped = true;
        return;
      }
      const i = next++;
      const item = items[i]!;
      const sender = senders[i];
      // Begun with the claim: the provider the claim recorded is this one.
      const begun = sender !== undefined && item.provider === sender.id;
      const answered = await sendOne(deps, item, sender, begun, options);
      if (typeof answered === 'string') counts[answered]++;
      else if (answered.sender.idempotent) {
        waiting.push(answered);
        if (deps.clock.now() - flushed > options.leaseMs / 4) await flush();
      } else await record(deps, [answered], counts);
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? 1, items.length));
  // A lane that fails (the database went away …) fails the pass; the others finish first.
  const settled = await Promise.allSettled(Array.from({ length: lanes }, lane));
  await flush();
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  if (stopped && next < items.length) {
    // Never handed to a provider: back to other workers now.
    const rest = items.slice(next).map((c) => ({ orgId: c.orgId, key: c.key }));
    counts.released += (await deps.outbox.releaseUnsent(deps.workerId, rest)).length;
  }
  return stopped;
}

/** Re-check, then send through the provider; or the use case's own path for anything else. */
async function sendOne<Tx>(
  deps: DispatchDeps<Tx>,
  item: OutboxItem,
  sender: Sender | undefined,
  begun: boolean,
  options: BatchDispatchOptions & { leaseMs: number; retry: RetryPolicy },
): Promise<ItemResult | Answered> {
  let check: RecheckResult | undefined;
  try {
    check = await deps.recheck(item);
  } catch {
    check = undefined; // dispatchItem re-checks and handles the failure
  }
  const go =
    check !== undefined &&
    'ok' in check &&
    !(
      item.approvalsRequired > 0 &&
      item.pastDueCents !== null &&
      check.pastDueCents !== null &&
      check.pastDueCents !== item.pastDueCents
    );
  // Everything but a plain send: the use case decides, re-checking first.
  if (!go || !sender) return dispatchItem(deps, item, options);
  if (sender.idempotent) {
    if (!begun) return 'conflicts'; // the claim was gone before the batch began
    // Begun with the claim; a batch running long renews the claim first, as beginSend does.
    const expires = item.claimExpiresAt === null ? NaN : Date.parse(item.claimExpiresAt);
    if (!(deps.clock.now() < expires - options.leaseMs / 2)) {
      const now = new Date(deps.clock.now()).toISOString();
      const ours = await deps.outbox.beginSend(
        item.orgId,
        item.key,
        deps.workerId,
        sender.id,
        now,
        options.leaseMs,
      );
      if (!ours) return 'conflicts';
    }
  } else {
    const now = new Date(deps.clock.now()).toISOString();
    const ours = await deps.outbox.beginSend(
      item.orgId,
      item.key,
      deps.workerId,
      sender.id,
      now,
      options.leaseMs,
    );
    if (!ours) return 'conflicts';
  }
  // The stop signal is not passed on: a stopping worker finishes the sends in flight.
  const started = performance.now();
  const outcome = await send(sender, item);
  options.onCall?.({
    connector: sender.id,
    latencySeconds: (performance.now() - started) / 1000,
    outcome: outcome.tag,
  });
  const decision = decideOutcome(outcome, {
    key: item.key,
    attempts: item.attempts,
    nowMs: deps.clock.now(),
    policy: options.retry,
  });
  return { item, sender, outcome, decision };
}

/** Records providers' answers in one transaction; counts what became of each item. */
async function record<Tx>(
  deps: DispatchDeps<Tx> & { outbox: BatchOutboxStore<Tx> },
  answered: readonly Answered[],
  counts: DispatchCounts,
): Promise<void> {
  if (answered.length === 0) return;
  const { outbox, workerId } = deps;
  const actor = `worker:${workerId}`;
  const results = await outbox.transaction((tx) =>
    outbox.transitionMany(
      tx,
      answered.map(({ item, sender, outcome, decision }) => ({
        orgId: item.orgId,
        key: item.key,
        expected: item,
        to: decision.to,
        options: {
          actor,
          claimedBy: workerId,
          reason: decision.reason,
          provider: sender.id,
          ...(decision.to === 'sent' ? { providerId: decision.providerId } : {}),
          ...(decision.to === 'approved' ? { dueAt: decision.dueAt } : {}),
          audit: outcomeAudit(outcome),
        },
      })),
    ),
  );
  for (let i = 0; i < answered.length; i++) {
    const { item, sender, outcome, decision } = answered[i]!;
    const result = results[i];
    if (!(result instanceof OutboxConflictError)) {
      counts[decision.to === 'approved' ? 'retried' : decision.to]++;
      if (decision.to === 'failed' && deps.onFailed)
        // The failure is recorded either way; a fallback that could not be queued leaves the
        // item `failed` in the exception list for a person.
        await deps.onFailed(item).catch(() => undefined);
      continue;
    }
    // Our claim expired while the provider answered and another worker took the item over.
    // If it was marked unknown and we now know it went out, record that.
    if (decision.to === 'sent' && (await lateOutcome(deps, item, sender, decision, outcome))) {
      counts.sent++;
      continue;
    }
    counts.conflicts++;
  }
}

async function lateOutcome<Tx>(
  deps: DispatchDeps<Tx>,
  item: OutboxItem,
  sender: Sender,
  decision: Extract<OutcomeDecision, { to: 'sent' }>,
  outcome: SendOutcome,
): Promise<boolean> {
  const { outbox } = deps;
  try {
    await outbox.transaction(async (tx) => {
      const current = await outbox.lock(tx, item.orgId, item.key);
      if (current?.status !== 'unknown')
        throw new OutboxConflictError(item.key, 'unknown', current?.status);
      await outbox.transition(tx, item.orgId, item.key, 'sent', {
        actor: `worker:${deps.workerId}`,
        reason: 'late_outcome',
        provider: sender.id,
        providerId: decision.providerId,
        audit: outcomeAudit(outcome),
      });
    });
    return true;
  } catch (e) {
    if (e instanceof OutboxConflictError) return false;
    throw e;
  }
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
