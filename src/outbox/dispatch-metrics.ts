/**
 * What a dispatcher in this process has done, for `/metrics` (http/metrics.ts reads it at
 * each scrape): items by what became of them (`arrears_dispatch_total{outcome}`), and each
 * provider call with its connector, duration and answer (the dispatch duration histogram and
 * failure counter). The dispatcher feeds it after every batch (dispatcher.ts `recorder`).
 */
import type { DispatchCounts } from '../app/dispatch-outbox.js';
import type { DispatchObservation } from '../app/ports/health.js';
import type { SendOutcome } from '../app/ports/outbox.js';

export interface ProviderCall {
  connector: string;
  latencySeconds: number;
  outcome: SendOutcome['tag'];
}

export interface DispatchRecorder {
  /** Adds counts of a batch or pass (app/dispatch-outbox.ts `DispatchCounts`). */
  add(counts: Partial<DispatchCounts>): void;
  /** One provider call. */
  call(call: ProviderCall): void;
  /** Totals since the process started, by outcome (`sent`, `retried`, `failed` …). */
  totals(): Readonly<Record<string, number>>;
  /** Provider calls since the previous drain, each once (`failed`: anything not accepted). */
  drain(): DispatchObservation[];
}

/** Keeps at most `maxPending` undrained calls (the oldest are dropped: nobody scrapes). */
export function createDispatchRecorder(maxPending = 10_000): DispatchRecorder {
  const totals: Record<string, number> = {};
  let pending: DispatchObservation[] = [];
  return {
    add(counts) {
      for (const [k, n] of Object.entries(counts))
        if (typeof n === 'number' && n !== 0) totals[k] = (totals[k] ?? 0) + n;
    },
    call(c) {
      pending.push({
        connector: c.connector,
        latencySeconds: c.latencySeconds,
        outcome: c.outcome === 'accepted' ? 'ok' : 'failed',
      });
      if (pending.length > maxPending) pending = pending.slice(pending.length - maxPending);
    },
    totals: () => ({ ...totals }),
    drain() {
      const out = pending;
      pending = [];
      return out;
    },
  };
}
