/** Operations endpoints (SPEC 10): `/healthz`, `/readyz`, `/metrics`. No authentication. */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../app/ports/clock.js';
import type { HealthPort } from '../../app/ports/health.js';
import type { AppMetrics } from '../metrics.js';
import { checkReadiness, type ReadinessOptions } from '../readiness.js';

export interface OpsDeps {
  health: HealthPort;
  metrics: AppMetrics;
  clock: Clock;
  readiness?: Omit<ReadinessOptions, 'onError'>;
}

const CHECK_SCHEMA = {
  type: 'object',
  required: ['ok', 'detail'],
  properties: { ok: { type: 'boolean' }, detail: { type: 'string' } },
  additionalProperties: true,
} as const;

const READINESS_SCHEMA = {
  type: 'object',
  required: ['status', 'checkedAt', 'checks', 'failing', 'warnings'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    checkedAt: { type: 'string', format: 'date-time' },
    checks: {
      type: 'object',
      properties: {
        database: CHECK_SCHEMA,
        migrations: {
          ...CHECK_SCHEMA,
          properties: {
            ...CHECK_SCHEMA.properties,
            pending: { type: 'array', items: { type: 'string' } },
          },
        },
        scan: {
          ...CHECK_SCHEMA,
          properties: {
            ...CHECK_SCHEMA.properties,
            lastFinishedAt: { type: ['string', 'null'] },
            ageSeconds: { type: ['integer', 'null'] },
            maxAgeSeconds: { type: 'integer' },
          },
        },
      },
    },
    failing: {
      type: 'array',
      items: { type: 'string', enum: ['database', 'migrations', 'scan'] },
    },
    warnings: {
      type: 'array',
      description:
        'Alerts that do not make the server unready: `no_scan_today`, `outbox_failed`, ' +
        '`outbox_unknown` (items waiting for a human), `outbox_unreadable`, ' +
        '`webhook_inbox_failed` (inbound webhooks that failed every retry).',
      items: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string' },
          message: { type: 'string' },
          count: { type: 'integer' },
        },
      },
    },
  },
} as const;

export async function opsRoutes(app: FastifyInstance, deps: OpsDeps): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['operations'],
        response: {
          200: {
            type: 'object',
            required: ['status'],
            properties: { status: { type: 'string', const: 'ok' } },
          },
        },
      },
      logLevel: 'warn',
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: database reachable, migrations current, a scan in the last 26 h',
        description:
          '200 when every check passes, 503 naming each failing check in `failing`. Alerts ' +
          'that need a human but do not make the server unready are listed in `warnings`.',
        tags: ['operations'],
        response: {
          200: { description: 'Ready.', ...READINESS_SCHEMA },
          503: { description: 'Not ready: `failing` names the checks.', ...READINESS_SCHEMA },
        },
      },
      logLevel: 'warn',
    },
    async (request, reply) => {
      const report = await checkReadiness(deps.health, deps.clock.now(), {
        ...deps.readiness,
        onError: (check, err) => request.log.error({ err, check }, 'readiness check failed'),
      });
      if (report.failing.length > 0) request.log.warn({ failing: report.failing }, 'not ready');
      return reply.code(report.status === 'ready' ? 200 : 503).send(report);
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        description:
          'Queue depth by status, dispatch latency and failures per connector, scan ' +
          'duration, last scan time (text exposition format).',
        tags: ['operations'],
        response: {
          200: {
            description: 'Prometheus text exposition format.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
      logLevel: 'warn',
    },
    async (request, reply) => {
      const { contentType, text, error } = await deps.metrics.scrape();
      if (error !== undefined) request.log.error({ err: error }, 'metrics sample failed');
      return reply.type(contentType).send(text);
    },
  );
}
