/**
 * Where a scan's batches are evaluated: on the calling thread, or on worker threads so the
 * evaluation of one batch runs while the scan reads the next and writes the last.
 * Evaluation is pure and its results are applied in batch order, so the outcome is the
 * same either way; only the time differs.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  evaluateBatch,
  type BatchEvaluation,
  type BatchToEvaluate,
  type ScanFrame,
} from './evaluate-batch.js';
import type { PlannedItem } from './ports/scan.js';

export interface PendingBatch {
  result: BatchEvaluation;
  render(links: ReadonlyMap<string, string>): Promise<PlannedItem[]>;
}

export interface BatchEvaluator {
  /**
   * `withLinks`: the scan looks up pay links for the messages a batch drafts, so its items
   * are rendered once they are known; without, they are rendered with the evaluation.
   */
  evaluate(batch: BatchToEvaluate, options: { withLinks: boolean }): Promise<PendingBatch>;
  /** Batches worth having in flight at once (read ahead and being evaluated). */
  readonly lookahead: number;
  close(): Promise<void>;
}

/** Below this many leases to evaluate a scan stays on its own thread (starting one costs). */
export const THREADED_SCAN_MIN_LEASES = 8_000;

/**
 * Worker threads for a scan of `leases` leases: `requested` when given (0 = none), else
 * one per spare core (at most 4) for a large scan and none for a small one.
 */
export function scanThreadCount(leases: number, requested?: number): number {
  if (requested !== undefined) return Math.max(0, Math.floor(requested));
  if (leases < THREADED_SCAN_MIN_LEASES) return 0;
  return Math.min(4, Math.max(0, os.availableParallelism() - 1));
}

export interface ThreadOptions {
  /**
   * The threads' young generation (V8's default when absent): what a batch allocates while
   * it is evaluated dies there instead of being copied out and promoted (scan-portfolio.ts,
   * `evaluatorYoungGenerationMb`).
   */
  youngGenerationMb?: number;
}

export function batchEvaluator(
  frame: ScanFrame,
  threads: number,
  options: ThreadOptions = {},
): BatchEvaluator {
  return threads > 0 ? threadEvaluator(frame, threads, options) : inlineEvaluator(frame);
}

function inlineEvaluator(frame: ScanFrame): BatchEvaluator {
  return {
    lookahead: 1,
    evaluate(batch, { withLinks }) {
      const { result, render } = evaluateBatch(frame, batch, { renderNow: !withLinks });
      return Promise.resolve({ result, render: (links) => Promise.resolve(render(links)) });
    },
    close: () => Promise.resolve(),
  };
}

/** Messages of the worker (scan-thread.ts): requests carry an id, answers echo it. */
export type ThreadRequest =
  | { id: number; kind: 'evaluate'; batch: BatchToEvaluate; withLinks: boolean }
  | { id: number; kind: 'render'; links: ReadonlyMap<string, string> };
/** An evaluation, with its items when they needed no pay links (rendered at once). */
export interface ThreadEvaluation {
  result: BatchEvaluation;
  items: PlannedItem[] | null;
}
export type ThreadAnswer =
  | { id: number; ok: true; value: ThreadEvaluation | PlannedItem[] }
  | { id: number; ok: false; error: string };

function threadEvaluator(
  frame: ScanFrame,
  threads: number,
  options: ThreadOptions,
): BatchEvaluator {
  const workers = Array.from({ length: threads }, () => startThread(frame, options));
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  for (const w of workers) {
    w.on('message', (m: ThreadAnswer) => {
      const pending = waiting.get(m.id);
      if (!pending) return;
      waiting.delete(m.id);
      if (m.ok) pending.resolve(m.value);
      else pending.reject(new Error(m.error));
    });
    w.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    w.on('exit', (code) => {
      if (code !== 0) fail(new Error(`a scan worker thread exited with code ${code}`));
    });
  }
  let nextId = 0;
  let turn = 0;
  const ask = <T>(worker: Worker, request: ThreadRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.set(request.id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage(request);
    });
  return {
    lookahead: threads + 1,
    async evaluate(batch, { withLinks }) {
      // Round robin: the render of a batch goes to the thread holding its evaluation.
      const worker = workers[turn++ % workers.length]!;
      const id = nextId++;
      const { result, items } = await ask<ThreadEvaluation>(worker, {
        id,
        kind: 'evaluate',
        batch,
        withLinks,
      });
      return {
        result,
        // Rendered already unless it waits for links: a render request would queue behind
        // the evaluations read ahead on that thread, and the writes would wait for them.
        render: (links) =>
          items
            ? Promise.resolve(items)
            : ask<PlannedItem[]>(worker, { id, kind: 'render', links }),
      };
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * The compiled worker next to this module; from the TypeScript sources (tests, `tsx`), the
 * source file through tsx's loader, which the worker registers itself.
 */
function startThread(frame: ScanFrame, { youngGenerationMb }: ThreadOptions): Worker {
  const entry = new URL(
    import.meta.url.endsWith('.ts') ? './scan-thread.ts' : './scan-thread.js',
    import.meta.url,
  );
  const settings = {
    workerData: frame,
    ...(youngGenerationMb !== undefined
      ? { resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } }
      : {}),
  };
  if (!import.meta.url.endsWith('.ts')) return new Worker(entry, settings);
  const boot =
    `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
    `.then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, ...settings });
}
