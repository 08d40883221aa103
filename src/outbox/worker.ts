/**
 * `arrears worker`: dispatch passes in a loop, `intervalMs` apart, until stopped. Stopping
 * (SIGTERM / SIGINT, or the caller's AbortSignal) is graceful: the item in flight finishes
 * and is recorded, claimed items not yet started are released to other workers, and the
 * loop returns (the command then exits 0). A worker killed outright (`kill -9`) loses
 * nothing either: its claims expire and other workers take them over (see
 * storage/repos/outbox-repo.ts `claimDue`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { addCounts, emptyCounts, type DispatchCounts } from '../app/dispatch-outbox.js';
import type { Dispatcher } from './dispatcher.js';

export interface WorkerOptions {
  /** Pause between passes (default 5 s). */
  intervalMs?: number;
  /** Aborting it stops the worker gracefully. */
  signal: AbortSignal;
  /** Stop after this many passes (scripts and tests). */
  maxPasses?: number;
  onPass?: (counts: DispatchCounts, pass: number) => void;
  /** A failed pass (the database went away …) is reported and the loop goes on. */
  onError?: (error: unknown, pass: number) => void;
}

export interface WorkerSummary {
  passes: number;
  errors: number;
  /** Summed over the passes; `released` includes claims released when it stopped. */
  totals: DispatchCounts;
}

export const DEFAULT_INTERVAL_MS = 5_000;

export async function runWorker(
  dispatcher: Dispatcher,
  options: WorkerOptions,
): Promise<WorkerSummary> {
  const summary: WorkerSummary = { passes: 0, errors: 0, totals: emptyCounts() };
  const interval = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const more = () =>
    !options.signal.aborted &&
    (options.maxPasses === undefined || summary.passes < options.maxPasses);
  try {
    while (more()) {
      summary.passes++;
      try {
        const counts = await dispatcher.runOnce(options.signal);
        addCounts(summary.totals, counts);
        options.onPass?.(counts, summary.passes);
      } catch (error) {
        summary.errors++;
        options.onError?.(error, summary.passes);
      }
      if (!more()) break;
      await sleep(interval, undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    // Whatever stopped the loop, claims not started go back to other workers now rather
    // than when they expire.
    try {
      summary.totals.released += (await dispatcher.release()).length;
    } catch (error) {
      options.onError?.(error, summary.passes);
    }
  }
  return summary;
}

/**
 * Aborts `controller` on the first SIGTERM or SIGINT; a second one calls `onForce` (e.g. exit
 * at once). Returns a function that removes the handlers.
 */
export function abortOnSignals(
  controller: AbortController,
  options: { onStop?: (signal: string) => void; onForce?: (signal: string) => void } = {},
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      options.onStop?.(signal);
      controller.abort(new Error(`stopped by ${signal}`));
    } else options.onForce?.(signal);
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
