/**
 * The dispatcher: the dispatch use case (app/dispatch-outbox.ts) bound to one outbox store,
 * clock, re-check, provider registry and worker id, for `arrears dispatch` (one pass) and
 * `arrears worker` (worker.ts, a loop of passes). With a store that records transitions in
 * batches (the database one) the pass is batch-dispatch.ts: the same steps per item, the
 * idempotent providers' answers of a batch recorded together, optionally several items in
 * flight at once.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../app/ports/clock.js';
import type { OutboxItem, OutboxStore, Recheck, SenderRegistry } from '../app/ports/outbox.js';
import {
  dispatchOutbox,
  type DispatchCounts,
  type DispatchOptions,
} from '../app/dispatch-outbox.js';
import type { RetryPolicy } from '../domain/outbox/outcomes.js';
import { canBatch, dispatchInBatches, type BatchDispatchOptions } from './batch-dispatch.js';
import type { DispatchRecorder } from './dispatch-metrics.js';
import { defaultSenders } from './senders.js';

export interface DispatcherConfig<Tx = unknown> {
  outbox: OutboxStore<Tx>;
  clock: Clock;
  recheck: Recheck;
  /** Default: everything to the sandbox provider. */
  senders?: SenderRegistry;
  /** Default: `host:pid:random`, unique per process. */
  workerId?: string;
  /** One organisation; default every organisation. */
  orgId?: string | null;
  batchSize?: number;
  leaseMs?: number;
  holdRecheckMs?: number;
  retry?: RetryPolicy;
  /** After a provider refused an item: its fallback (R10), when the action has one. */
  onFailed?: (item: OutboxItem) => Promise<void>;
  /** Record answers in batches when the store can (default true); see batch-dispatch.ts. */
  batched?: boolean;
  /** Items of a batch in flight at a time, when batched (default 1). */
  concurrency?: number;
  /** Counts and provider calls for `/metrics` (dispatch-metrics.ts). */
  recorder?: DispatchRecorder;
}

export interface Dispatcher {
  readonly workerId: string;
  /** One pass: every item due when it starts. With `signal`, stops between items. */
  runOnce(signal?: AbortSignal): Promise<DispatchCounts>;
  /** Releases this worker's claims whose send never started (back to `approved`). */
  release(): Promise<string[]>;
}

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function createDispatcher<Tx>(config: DispatcherConfig<Tx>): Dispatcher {
  const workerId = config.workerId ?? newWorkerId();
  const outbox = config.outbox;
  const deps = {
    outbox,
    recheck: config.recheck,
    senders: config.senders ?? defaultSenders(),
    clock: config.clock,
    workerId,
    ...(config.onFailed ? { onFailed: config.onFailed } : {}),
  };
  return {
    workerId,
    runOnce(signal) {
      const options: DispatchOptions = { orgId: config.orgId ?? null };
      if (signal) options.signal = signal;
      if (config.batchSize !== undefined) options.batchSize = config.batchSize;
      if (config.leaseMs !== undefined) options.leaseMs = config.leaseMs;
      if (config.holdRecheckMs !== undefined) options.holdRecheckMs = config.holdRecheckMs;
      if (config.retry !== undefined) options.retry = config.retry;
      const recorder = config.recorder;
      if (config.batched !== false && canBatch(outbox)) {
        const batched: BatchDispatchOptions = { ...options };
        if (config.concurrency !== undefined) batched.concurrency = config.concurrency;
        if (recorder) {
          batched.onBatch = (counts) => recorder.add(counts);
          batched.onCall = (call) => recorder.call(call);
        }
        return dispatchInBatches({ ...deps, outbox }, batched);
      }
      return recorder
        ? dispatchOutbox(deps, options).then((counts) => {
            recorder.add(counts);
            return counts;
          })
        : dispatchOutbox(deps, options);
    },
    release: () => outbox.releaseClaims(workerId),
  };
}
