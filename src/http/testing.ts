/**
 * AppDeps made of in-memory fakes, for route tests with `app.inject()`:
 *
 *   const { deps, health } = fakeDeps();
 *   health.lastScan = null;
 *   const app = await buildApp(deps);
 *
 * The fakes are mutable so a test can break one thing at a time.
 */
import { fixedClock } from '../app/ports/clock.js';
import type { Authentication, AuthPort, Principal } from '../app/ports/auth.js';
import type { HealthPort, MetricsPort, MetricsSample, OutboxCounts } from '../app/ports/health.js';
import {
  createMemoryWebhookEventStore,
  createWebhookRegistry,
  type MutableWebhookRegistry,
} from '../app/ports/webhooks.js';
import type { AppDeps } from './app.js';

export const TEST_NOW = Date.parse('2026-10-06T16:00:00.000Z');

export interface FakeHealth extends HealthPort {
  /** An error `ping` throws (database down), or null. */
  down: Error | null;
  pending: string[];
  lastScan: string | null;
  outbox: OutboxCounts;
}

export function fakeHealth(): FakeHealth {
  const h: FakeHealth = {
    down: null,
    pending: [],
    lastScan: '2026-10-06T09:00:00.000Z',
    outbox: {},
    ping: () => (h.down ? Promise.reject(h.down) : Promise.resolve()),
    pendingMigrations: () => Promise.resolve(h.pending),
    lastScanFinishedAt: () => Promise.resolve(h.lastScan),
    outboxCounts: () => Promise.resolve(h.outbox),
  };
  return h;
}

/** A MetricsPort handing out `next` (then empty observations) on each collect. */
export function fakeMetrics(): MetricsPort & { next: Partial<MetricsSample>; fail: Error | null } {
  const m = {
    next: {} as Partial<MetricsSample>,
    fail: null as Error | null,
    collect(): Promise<MetricsSample> {
      if (m.fail) return Promise.reject(m.fail);
      const sample: MetricsSample = {
        outboxItems: {},
        dispatches: [],
        scans: [],
        lastScanFinishedAt: null,
        ...m.next,
      };
      m.next = { outboxItems: sample.outboxItems, lastScanFinishedAt: sample.lastScanFinishedAt };
      return Promise.resolve(sample);
    },
  };
  return m;
}

/** An AuthPort knowing `tokens` (token → principal). */
export function fakeAuth(tokens: Record<string, Principal> = {}): AuthPort {
  return {
    authenticateToken: (token): Promise<Authentication> => {
      const principal = Object.hasOwn(tokens, token) ? tokens[token] : undefined;
      return Promise.resolve(
        principal ? { ok: true, principal } : { ok: false, reason: 'unknown' },
      );
    },
  };
}

export function fakeDeps(overrides: Partial<AppDeps> = {}) {
  const health = fakeHealth();
  const metrics = fakeMetrics();
  const webhooks: MutableWebhookRegistry = createWebhookRegistry();
  const clock = fixedClock(TEST_NOW);
  const deps: AppDeps = {
    health,
    metrics,
    webhooks,
    webhookEvents: createMemoryWebhookEventStore(),
    auth: fakeAuth(),
    clock,
    readiness: { timeZone: 'UTC' },
    ...overrides,
  };
  return { deps, health, metrics, webhooks, clock };
}
