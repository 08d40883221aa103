/**
 * Prometheus metrics (SPEC 10): one prom-client Registry per app (never the global one,
 * so two apps in one process — tests — do not share counters). Each scrape reads one
 * MetricsSample from the MetricsPort and applies it:
 *
 * - `arrears_outbox_items{status}` gauge: queue depth by status, now;
 * - `arrears_dispatch_latency_seconds{connector}` histogram and
 *   `arrears_dispatch_failures_total{connector}` counter: dispatches since the last scrape;
 * - `arrears_scan_duration_seconds` histogram: scans finished since the last scrape;
 * - `arrears_last_scan_finished_timestamp_seconds` gauge (alert when older than a day);
 * - `arrears_metrics_source_up` gauge: 0 when the sample could not be read;
 * - `arrears_webhook_inbox_events{state}` gauge: webhook events stored but not handled,
 *   `queued` (the inbox depth), `claimed` (being handled) and `failed` (need a human).
 *
 * With a dispatcher in the same process (`dispatch`, outbox/dispatch-metrics.ts), also:
 *
 * - `arrears_dispatch_total{outcome}` counter: outbox items a dispatcher handled, by what
 *   became of them (`sent`, `retried`, `failed`, `unknown`, `cancelled`, `skipped`, `held`,
 *   `review`, `tasks`, `conflicts`; `claimed`, `released`, `reclaimed`, `lost` for claims);
 * - its provider calls in the latency histogram and failure counter above.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DispatchObservation, MetricsPort } from '../app/ports/health.js';
import type { WebhookInboxCounts } from '../app/ports/webhooks.js';

/** A dispatcher running in this process, read at each scrape. */
export interface DispatchSource {
  /** Items handled since the process started, by outcome (monotonic). */
  totals(): Readonly<Record<string, number>>;
  /** Provider calls since the previous call, each once. */
  drain(): DispatchObservation[];
}

export interface AppMetrics {
  registry: Registry;
  /** Reads a sample from the port and renders the exposition text. */
  scrape(): Promise<{ contentType: string; text: string; error?: unknown }>;
}

export function createMetrics(
  port: MetricsPort,
  options: {
    processMetrics?: boolean;
    dispatch?: DispatchSource;
    /** The webhook inbox's counts, read at each scrape. */
    webhookInbox?: () => Promise<WebhookInboxCounts>;
  } = {},
): AppMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });

  const outboxItems = new Gauge({
    name: 'arrears_outbox_items',
    help: 'Outbox items by status (queue depth).',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const dispatchLatency = new Histogram({
    name: 'arrears_dispatch_latency_seconds',
    help: 'Time a provider call took when dispatching an outbox item, by connector.',
    labelNames: ['connector'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const dispatchFailures = new Counter({
    name: 'arrears_dispatch_failures_total',
    help: 'Dispatches that failed (provider refused or errored), by connector.',
    labelNames: ['connector'] as const,
    registers: [registry],
  });
  const dispatchTotal = new Counter({
    name: 'arrears_dispatch_total',
    help: 'Outbox items handled by a dispatcher in this process, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  /** What `dispatchTotal` already counts, per outcome. */
  const counted: Record<string, number> = {};
  const scanDuration = new Histogram({
    name: 'arrears_scan_duration_seconds',
    help: 'How long a scan took, from start to finish.',
    buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const lastScan = new Gauge({
    name: 'arrears_last_scan_finished_timestamp_seconds',
    help: 'Unix time the last scan finished (0 when none has).',
    registers: [registry],
  });
  const sourceUp = new Gauge({
    name: 'arrears_metrics_source_up',
    help: '1 when the last scrape could read the database, else 0.',
    registers: [registry],
  });

  const inboxEvents = new Gauge({
    name: 'arrears_webhook_inbox_events',
    help: 'Webhook events stored but not handled, by state (queued: the inbox depth; failed: need a human).',
    labelNames: ['state'] as const,
    registers: [registry],
  });

  function observe(dispatches: readonly DispatchObservation[]): void {
    for (const d of dispatches) {
      dispatchLatency.observe({ connector: d.connector }, d.latencySeconds);
      if (d.outcome === 'failed') dispatchFailures.inc({ connector: d.connector });
    }
  }

  /** The in-process dispatcher: counted once, whether or not the database answers. */
  function applyDispatch(): void {
    const source = options.dispatch;
    if (!source) return;
    for (const [outcome, total] of Object.entries(source.totals())) {
      const delta = total - (counted[outcome] ?? 0);
      if (delta > 0) dispatchTotal.inc({ outcome }, delta);
      counted[outcome] = total;
    }
    observe(source.drain());
  }

  async function applyInbox(): Promise<unknown> {
    if (!options.webhookInbox) return undefined;
    try {
      const counts = await options.webhookInbox();
      for (const [state, n] of Object.entries(counts)) inboxEvents.set({ state }, n);
      return undefined;
    } catch (error) {
      inboxEvents.reset();
      return error;
    }
  }

  async function apply(): Promise<unknown> {
    applyDispatch();
    const inboxError = await applyInbox();
    try {
      const sample = await port.collect();
      outboxItems.reset();
      for (const [status, n] of Object.entries(sample.outboxItems)) outboxItems.set({ status }, n);
      observe(sample.dispatches);
      for (const s of sample.scans) scanDuration.observe(s.durationSeconds);
      lastScan.set(sample.lastScanFinishedAt ? Date.parse(sample.lastScanFinishedAt) / 1000 : 0);
      sourceUp.set(inboxError === undefined ? 1 : 0);
      return inboxError;
    } catch (error) {
      // A stale queue depth would mislead: drop it, and say the source is down.
      outboxItems.reset();
      sourceUp.set(0);
      return error;
    }
  }

  return {
    registry,
    async scrape() {
      const error = await apply();
      const text = await registry.metrics();
      return error === undefined
        ? { contentType: registry.contentType, text }
        : { contentType: registry.contentType, text, error };
    },
  };
}
