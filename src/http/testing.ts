/**
 * AppDeps made of in-memory fakes, for route tests with `app.inject()`:
 *
 *   const { deps, health } = fakeDeps();
 *   health.lastScan = null;
 *   const app = await buildApp(deps);
 *
 * The fakes are mutable so a test can break one thing at a time.
 */
import { createHmac } from 'node:crypto';
import { fixedClock } from '../app/ports/clock.js';
import type { WebhookConnector, WebhookEvent } from '../app/ports/webhooks.js';
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

/**
 * A webhook connector for tests: id `hmactest`, the body signed with HMAC-SHA256 under key
 * `k` in `x-signature`, the event id in `x-event-id`; handled events are pushed to
 * `handled` (unless `fail()` says to throw). `deferrable`: it allows deferral under load.
 */
export function hmacTestConnector(
  handled: WebhookEvent[],
  options: { fail?: () => boolean; deferrable?: boolean } = {},
): WebhookConnector {
  return {
    id: 'hmactest',
    secretConfigured: true,
    verify: (req) => {
      const mac = createHmac('sha256', 'k').update(req.rawBody).digest('hex');
      return req.headers['x-signature'] === mac
        ? { ok: true, eventId: String(req.headers['x-event-id']) }
        : { ok: false, reason: 'signature mismatch' };
    },
    handle: async (event) => {
      if (options.fail?.()) throw new Error('handler failed');
      handled.push(event);
    },
    ...(options.deferrable ? { deferredResponse: () => undefined } : {}),
  };
}
