/**
 * The HTTP app, built by a factory and started elsewhere (server.ts); tests call
 * `app.inject()` without a port. Everything it knows comes in through `AppDeps` (ports);
 * nothing in http/ touches the database.
 *
 *   /healthz /readyz /metrics        operations (public)
 *   /webhooks/{connector}            inbound webhooks (signature-verified, idempotent)
 *   /api/v1/openapi.json  /docs      the API described (public)
 *   /api/v1/…                        REST, behind an API token, scoped to its organisation
 *
 * Errors are RFC 9457 problem+json everywhere; logs are pino JSON with secrets redacted.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { AuthPort } from '../app/ports/auth.js';
import type { Clock } from '../app/ports/clock.js';
import type { HealthPort, MetricsPort } from '../app/ports/health.js';
import type { WebhookInboxOptions } from '../app/drain-webhook-inbox.js';
import type { WebhookEventStore, WebhookRegistry } from '../app/ports/webhooks.js';
import { registerAuth } from './auth.js';
import { registerErrorHandling } from './errors.js';
import { loggerOptions, type LogOptions } from './logging.js';
import { createMetrics, type DispatchSource } from './metrics.js';
import { collectRoutes } from './openapi.js';
import type { ReadinessOptions } from './readiness.js';
import { dashboardRoutes, type DashboardOptions } from './routes/dashboard.js';
import { docsRoutes } from './routes/docs.js';
import { handoffRoutes, type HandoffRouteDeps } from './routes/handoffs.js';
import { sessionRoutes, type SessionRouteDeps } from './routes/session.js';
import { opsRoutes } from './routes/ops.js';
import { API_V1_ROUTES, type ApiRoutes } from './routes/v1/index.js';
import { unsubscribeRoutes, type UnsubscribeOptions } from './routes/unsubscribe.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface AppDeps {
  health: HealthPort;
  metrics: MetricsPort;
  /** The connectors that accept webhooks (looked up per request: later additions count). */
  webhooks: WebhookRegistry;
  /** Provider event ids already received, and the inbox of events not handled yet. */
  webhookEvents: WebhookEventStore;
  /** When webhook events are handled after their answer, and how they are retried. */
  webhookInbox?: WebhookInboxOptions;
  auth: AuthPort;
  clock: Clock;
  /** JSON logs (level, stream); false or absent: no logs. */
  logger?: LogOptions | false;
  /** `ARREARS_PUBLIC_URL`: base of the URLs providers call (URL-signed webhooks, OpenAPI). */
  publicUrl?: string;
  readiness?: Omit<ReadinessOptions, 'onError'>;
  /** Node process metrics (CPU, memory, event loop) on `/metrics` too. */
  processMetrics?: boolean;
  /** A dispatcher running in this process: its counts on `/metrics` (http/metrics.ts). */
  dispatch?: DispatchSource;
  /** The resources under `/api/v1` (default: API_V1_ROUTES). */
  apiRoutes?: readonly ApiRoutes[];
  /** Dashboard sign-in at `/api/v1/session` (sessions must also be on `auth`). */
  session?: SessionRouteDeps;
  /** The legal hand-off's expiring links (`/handoffs/{token}`), when a link secret is set. */
  handoffs?: HandoffRouteDeps;
  /** The built dashboard (dist/web) served at `/`, with client routes falling back to it. */
  dashboard?: DashboardOptions;
  /** One-click unsubscribe links of e-mail (when `ARREARS_UNSUBSCRIBE_SECRET` is set). */
  unsubscribe?: UnsubscribeOptions;
}

/** A provider's webhook delivery (its route, whatever the connector). */
const isWebhookPost = (request: FastifyRequest) =>
  request.method === 'POST' && request.routeOptions.url === '/webhooks/:connector';

/**
 * Fastify's lines for each request, except that a webhook delivery answered 2xx logs them
 * at debug: providers may post thousands a second, and the webhook inbox keeps a record of
 * each event. A webhook answered otherwise gets its completion line at info, with the
 * request.
 */
class RequestLogs extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (!isWebhookPost(request)) return super.incomingRequest(request, reply);
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error || !isWebhookPost(request) || this.isLogDisabled(request))
      return super.requestCompleted(error, request, reply);
    const fields = { res: reply, responseTime: reply.elapsedTime };
    if (reply.statusCode < 300) reply.log.debug(fields, 'request completed');
    else reply.log.info({ req: request, ...fields }, 'request completed');
  }
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ? loggerOptions(deps.logger) : false,
    logController: new RequestLogs(),
    genReqId: () => randomUUID(),
    // Trailing slashes and duplicate slashes name the same route.
    // Outbox keys and signed hand-off links are longer than the default 100 characters.
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      maxParamLength: 2048,
    },
    // Report every invalid field, and refuse unknown ones where a schema says so
    // (Fastify's default stops at the first error and silently drops unknown fields).
    ajv: { customOptions: { allErrors: true, removeAdditional: false } },
  });
  const routes = collectRoutes(app);
  registerErrorHandling(app);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
  });

  const metrics = createMetrics(deps.metrics, {
    processMetrics: deps.processMetrics,
    ...(deps.dispatch ? { dispatch: deps.dispatch } : {}),
    webhookInbox: () => deps.webhookEvents.inboxCounts(),
  });
  await app.register(opsRoutes, {
    health: deps.health,
    metrics,
    clock: deps.clock,
    readiness: { ...deps.readiness, webhookInbox: () => deps.webhookEvents.inboxCounts() },
  });
  await app.register(webhookRoutes, {
    registry: deps.webhooks,
    events: deps.webhookEvents,
    clock: deps.clock,
    publicUrl: deps.publicUrl,
    ...(deps.webhookInbox ? { inbox: deps.webhookInbox } : {}),
  });
  if (deps.unsubscribe) await app.register(unsubscribeRoutes, deps.unsubscribe);
  await app.register(docsRoutes, { routes, publicUrl: deps.publicUrl });
  if (deps.handoffs) await app.register(handoffRoutes, deps.handoffs);
  if (deps.dashboard) await app.register(dashboardRoutes, deps.dashboard);
  if (deps.session) await app.register(sessionRoutes, { ...deps.session, prefix: '/api/v1' });
  await app.register(
    async (api) => {
      registerAuth(api, deps.auth);
      for (const plugin of deps.apiRoutes ?? API_V1_ROUTES) await api.register(plugin);
    },
    { prefix: '/api/v1' },
  );
  await app.ready();
  return app;
}
