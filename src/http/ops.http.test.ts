import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type AppDeps } from './app.js';
import { localDate } from './readiness.js';
import { fakeDeps } from './testing.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(overrides: Partial<AppDeps> = {}) {
  const fakes = fakeDeps(overrides);
  app = await buildApp(fakes.deps);
  return { ...fakes, app };
}

describe('GET /healthz', () => {
  it('answers 200 {status: ok} even when the database is down', async () => {
    const { app, health } = await start();
    health.down = new Error('connect ECONNREFUSED');
    const r = await app.inject({ url: '/healthz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('GET /readyz', () => {
  it('is 200 when the database answers, migrations are current and a scan finished today', async () => {
    const { app } = await start();
    const r = await app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      status: 'ready',
      checkedAt: '2026-10-06T16:00:00.000Z',
      failing: [],
      warnings: [],
      checks: {
        database: { ok: true },
        migrations: { ok: true, pending: [] },
        scan: { ok: true, lastFinishedAt: '2026-10-06T09:00:00.000Z', ageSeconds: 7 * 3600 },
      },
    });
  });

  it('is 503 naming pending migrations', async () => {
    const { app, health } = await start();
    health.pending = ['0009-future'];
    const r = await app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(503);
    const body = r.json();
    expect(body.failing).toEqual(['migrations']);
    expect(body.checks.migrations).toEqual({
      ok: false,
      pending: ['0009-future'],
      detail: '1 migration(s) not applied: 0009-future; run `arrears migrate`',
    });
  });

  it('is 503 when the last scan is older than 26 h, and warns no scan completed today', async () => {
    const { app, health } = await start();
    health.lastScan = '2026-10-05T13:59:00.000Z'; // 26 h 1 min before now
    const r = await app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json().failing).toEqual(['scan']);
    expect(r.json().checks.scan.detail).toContain('26 h ago, more than 26 h');
    expect(r.json().warnings).toEqual([
      { code: 'no_scan_today', message: 'no scan has completed today (2026-10-06, UTC)' },
    ]);
  });

  it('a scan yesterday within 26 h is ready, with the no-scan-today warning', async () => {
    const { app, health } = await start();
    health.lastScan = '2026-10-05T23:00:00.000Z';
    const r = await app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(200);
    expect(r.json().warnings.map((w: { code: string }) => w.code)).toEqual(['no_scan_today']);
  });

  it('"today" is the calendar day of the configured zone', async () => {
    // 2026-10-06T02:00Z is still Oct 5 in Los Angeles: a scan at 01:00Z counts as today there.
    const { app, health, clock } = await start({ readiness: { timeZone: 'America/Los_Angeles' } });
    clock.set(Date.parse('2026-10-06T02:00:00.000Z'));
    health.lastScan = '2026-10-05T08:00:00.000Z';
    expect((await app.inject({ url: '/readyz' })).json().warnings).toEqual([]);
    expect(localDate('2026-10-06T02:00:00.000Z', 'UTC')).toBe('2026-10-06');
  });

  it('is 503 when no scan has ever finished', async () => {
    const { app, health } = await start();
    health.lastScan = null;
    const r = await app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.scan).toMatchObject({
      ok: false,
      lastFinishedAt: null,
      ageSeconds: null,
    });
    expect(r.json().checks.scan.detail).toContain('no scan has finished yet');
  });

  it('is 503 naming every check when the database is unreachable, without the error text', async () => {
    const { app, health } = await start();
    health.down = new Error('password authentication failed for user "arrears"');
    const r = await app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json().failing).toEqual(['database', 'migrations', 'scan']);
    expect(r.json().checks.migrations.detail).toBe('not checked: the database is unreachable');
    expect(r.body).not.toContain('password');
  });

  it('a check that hangs fails after the timeout instead of hanging the probe', async () => {
    const { app, health } = await start({ readiness: { timeZone: 'UTC', checkTimeoutMs: 50 } });
    health.ping = () => new Promise(() => undefined);
    const r = await app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.database.detail).toContain('no answer within 50 ms');
  });

  it('reports outbox items in failed and unknown as warnings, not failures', async () => {
    const { app, health } = await start();
    health.outbox = { draft: 4, failed: 2, unknown: 1, sent: 10 };
    const r = await app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(200);
    expect(r.json().warnings).toEqual([
      {
        code: 'outbox_failed',
        count: 2,
        message: '2 outbox items are `failed` and need a human (`arrears outbox --status failed`)',
      },
      {
        code: 'outbox_unknown',
        count: 1,
        message: '1 outbox item is `unknown` and needs a human (`arrears outbox --status unknown`)',
      },
    ]);
  });
});

describe('GET /metrics', () => {
  it('exposes queue depth, dispatch latency and failures, scan duration in Prometheus text', async () => {
    const { app, metrics } = await start();
    metrics.next = {
      outboxItems: { draft: 3, failed: 1 },
      dispatches: [
        { connector: 'twilio', latencySeconds: 0.2, outcome: 'ok' },
        { connector: 'twilio', latencySeconds: 3, outcome: 'failed' },
      ],
      scans: [{ id: 's1', durationSeconds: 4.5, finishedAt: '2026-10-06T09:00:00.000Z' }],
      lastScanFinishedAt: '2026-10-06T09:00:00.000Z',
    };
    const r = await app.inject({ url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    const text = r.body;
    expect(text).toContain('# TYPE arrears_outbox_items gauge');
    expect(text).toContain('arrears_outbox_items{status="draft"} 3');
    expect(text).toContain('arrears_outbox_items{status="failed"} 1');
    expect(text).toContain('# TYPE arrears_dispatch_latency_seconds histogram');
    expect(text).toContain('arrears_dispatch_latency_seconds_count{connector="twilio"} 2');
    expect(text).toContain('arrears_dispatch_failures_total{connector="twilio"} 1');
    expect(text).toContain('arrears_scan_duration_seconds_count 1');
    expect(text).toContain('arrears_scan_duration_seconds_sum 4.5');
    expect(text).toContain(
      `arrears_last_scan_finished_timestamp_seconds ${Date.parse('2026-10-06T09:00:00.000Z') / 1000}`,
    );
    expect(text).toContain('arrears_metrics_source_up 1');

    // Observations count once; the gauge follows the queue.
    metrics.next = { outboxItems: { draft: 1 } };
    const again = (await app.inject({ url: '/metrics' })).body;
    expect(again).toContain('arrears_dispatch_latency_seconds_count{connector="twilio"} 2');
    expect(again).toContain('arrears_outbox_items{status="draft"} 1');
    expect(again).not.toContain('status="failed"');
  });

  it('every app has its own registry', async () => {
    const first = await start();
    first.metrics.next = { scans: [{ id: 's', durationSeconds: 1, finishedAt: 'x' }] };
    await first.app.inject({ url: '/metrics' });
    const other = await buildApp(fakeDeps().deps);
    try {
      expect((await other.inject({ url: '/metrics' })).body).toContain(
        'arrears_scan_duration_seconds_count 0',
      );
    } finally {
      await other.close();
    }
  });

  it('still answers when the source fails: source_up 0 and no stale queue depth', async () => {
    const { app, metrics } = await start();
    metrics.next = { outboxItems: { draft: 3 } };
    await app.inject({ url: '/metrics' });
    metrics.fail = new Error('database gone');
    const r = await app.inject({ url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('arrears_metrics_source_up 0');
    expect(r.body).not.toContain('arrears_outbox_items{');
  });
});
