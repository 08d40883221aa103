/**
 * `/metrics` with a dispatcher in the same process: `arrears_dispatch_total{outcome}` counts
 * each item once, scrape after scrape; its provider calls go into the dispatch duration
 * histogram and failure counter; the queue depth gauge is read at scrape time. The source
 * here stands in for outbox/dispatch-metrics.ts (the HTTP layer knows only its shape).
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { DispatchObservation } from '../app/ports/health.js';
import { buildApp } from './app.js';
import type { DispatchSource } from './metrics.js';
import { fakeDeps } from './testing.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function fakeDispatch(): DispatchSource & {
  totalsNow: Record<string, number>;
  calls: DispatchObservation[];
} {
  const s = {
    totalsNow: {} as Record<string, number>,
    calls: [] as DispatchObservation[],
    totals: () => ({ ...s.totalsNow }),
    drain: () => s.calls.splice(0),
  };
  return s;
}

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('GET /metrics with a dispatcher in the process', () => {
  it('counts dispatched items by outcome once, and times provider calls', async () => {
    const dispatch = fakeDispatch();
    const fakes = fakeDeps({ dispatch });
    app = await buildApp(fakes.deps);
    fakes.metrics.next = { outboxItems: { approved: 40, dispatching: 10, sent: 5 } };
    dispatch.totalsNow = { claimed: 8, sent: 5, retried: 2, failed: 1 };
    dispatch.calls.push(
      { connector: 'fake-api', latencySeconds: 0.02, outcome: 'ok' },
      { connector: 'fake-api', latencySeconds: 0.3, outcome: 'failed' },
    );
    const first = (await app.inject({ url: '/metrics' })).body;
    expect(first).toContain('# TYPE arrears_dispatch_total counter');
    expect(value(first, 'arrears_dispatch_total{outcome="sent"}')).toBe(5);
    expect(value(first, 'arrears_dispatch_total{outcome="retried"}')).toBe(2);
    expect(value(first, 'arrears_dispatch_total{outcome="failed"}')).toBe(1);
    expect(value(first, 'arrears_dispatch_latency_seconds_count{connector="fake-api"}')).toBe(2);
    expect(value(first, 'arrears_dispatch_failures_total{connector="fake-api"}')).toBe(1);
    expect(value(first, 'arrears_outbox_items{status="approved"}')).toBe(40);

    // The next scrape adds only what happened since; the queue depth is read again.
    fakes.metrics.next = { outboxItems: { approved: 30, sent: 25 } };
    dispatch.totalsNow = { claimed: 28, sent: 25, retried: 2, failed: 1 };
    dispatch.calls.push({ connector: 'fake-api', latencySeconds: 0.01, outcome: 'ok' });
    const second = (await app.inject({ url: '/metrics' })).body;
    expect(value(second, 'arrears_dispatch_total{outcome="sent"}')).toBe(25);
    expect(value(second, 'arrears_dispatch_total{outcome="claimed"}')).toBe(28);
    expect(value(second, 'arrears_dispatch_total{outcome="retried"}')).toBe(2);
    expect(value(second, 'arrears_dispatch_latency_seconds_count{connector="fake-api"}')).toBe(3);
    expect(value(second, 'arrears_outbox_items{status="approved"}')).toBe(30);
    expect(second).not.toContain('arrears_outbox_items{status="dispatching"}');
  });

  it('still counts dispatches when the database cannot be read', async () => {
    const dispatch = fakeDispatch();
    const fakes = fakeDeps({ dispatch });
    app = await buildApp(fakes.deps);
    fakes.metrics.fail = new Error('database gone');
    dispatch.totalsNow = { sent: 3 };
    const r = await app.inject({ url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(value(r.body, 'arrears_dispatch_total{outcome="sent"}')).toBe(3);
    expect(value(r.body, 'arrears_metrics_source_up')).toBe(0);
  });

  it('without a dispatcher the counter is declared and empty', async () => {
    const fakes = fakeDeps();
    app = await buildApp(fakes.deps);
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toContain('# TYPE arrears_dispatch_total counter');
    expect(text).not.toContain('arrears_dispatch_total{');
  });
});
