/**
 * `arrears serve`: the HTTP API, inbound webhooks, `/healthz`, `/readyz` and `/metrics`
 * (SPEC 9, 10) on the database of `--db` / `ARREARS_DB`, brought to the latest migration.
 * Runs until SIGTERM or SIGINT, then finishes the requests in flight and exits 0.
 *
 * Logs are JSON lines on stdout; messages for the operator go to stderr. Environment:
 * `ARREARS_PUBLIC_URL` (the base URL providers call, for URL-signed webhooks),
 * `ARREARS_LOG_LEVEL` (trace, debug, info (default), warn, error, fatal, silent),
 * `ARREARS_ORG` (the organisation health and webhooks are for; default `default`),
 * `ARREARS_WEBHOOK_INLINE_LIMIT` (a webhook event is handled before its answer while at
 * most this many are in hand; beyond, the events of connectors that allow it are answered
 * once stored and handled shortly after; default 8, 0: always).
 */
import type { Command } from 'commander';
import { optOutByLink } from '../../app/opt-out-by-link.js';
import { gateFor } from '../../app/pre-action-gate.js';
import { createWebhookRegistry } from '../../app/ports/webhooks.js';
import { systemClock } from '../../app/ports/clock.js';
import { InputError } from '../../domain/errors.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type AppDeps } from '../../http/app.js';
import type { HandoffRouteDeps } from '../../http/routes/handoffs.js';
import { readHandoffToken } from '../../connectors/legalzoom/handoff-link.js';
import { documentBytesOf } from '../../storage/repos/document-bytes-repo.js';
import type { ApiRoutes } from '../../http/routes/v1/index.js';
import { createSessionsRepo } from '../../storage/repos/sessions-repo.js';
import type { UnsubscribeOptions } from '../../http/routes/unsubscribe.js';
import { provideCasesApi } from '../../http/routes/v1/cases.js';
import { API_V1_ROUTES } from '../../http/routes/v1/index.js';
import { provideHooksApi } from '../../http/routes/v1/hooks.js';
import { provideQueueApi } from '../../http/routes/v1/queue.js';
import { hookSubscriptionsRepo } from '../../storage/repos/hook-subscriptions-repo.js';
import { provideRepliesApi } from '../../http/routes/v1/replies.js';
import { provideReportsApi } from '../../http/routes/v1/reports.js';
import { renderReportPdf } from '../../reports/render-pdf.js';
import { reportsRepo } from '../../storage/repos/reports-repo.js';
import { startServer } from '../../http/server.js';
import {
  inboundFor,
  openRuntime,
  connectorsFor,
  sandboxConnectorsFor,
  storesFor,
  type Runtime,
} from '../../main.js';
import { createApiTokenAuth } from '../../storage/repos/api-tokens-repo.js';
import { documentsRepo } from '../../storage/repos/documents-repo.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import { createUsersRepo } from '../../storage/repos/users-repo.js';
import { createHealthRepo, createStorageMetrics } from '../../storage/repos/health-repo.js';
import { tenantLeasesStore } from '../../storage/repos/tenant-leases-repo.js';
import { createWebhookEventsRepo } from '../../storage/repos/webhook-events-repo.js';
import type { CliContext } from '../context.js';
import { gateDeps } from './gate.js';
import { DB_OPTION_HELP } from './migrate.js';
import { dashboardApiFor } from './serve-api.js';

interface ServeOptions {
  host: string;
  port: string;
  db?: string;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function registerServe(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description('HTTP API, inbound webhooks, health checks and metrics until stopped')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--db <url>', DB_OPTION_HELP)
    .addHelpText(
      'after',
      '\nEnvironment: ARREARS_PUBLIC_URL (base URL providers call, e.g. https://arrears.example.com),\n' +
        'ARREARS_LOG_LEVEL (default info), ARREARS_ORG (default `default`),\n' +
        'ARREARS_UNSUBSCRIBE_SECRET (signs the one-click unsubscribe links of e-mail),\n' +
        'ARREARS_SANDBOX_WEBHOOK_SECRET (signs /webhooks/sandbox-sms and /webhooks/sandbox-email),\n' +
        'ARREARS_WEBHOOK_INLINE_LIMIT (webhooks handled before answering while at most this many are in hand; default 8).\n' +
        'Logs are JSON lines on stdout. SIGTERM or SIGINT stops the server gracefully.\n',
    )
    .action(async (opts: ServeOptions) => {
      const settings = serveSettings(opts, ctx.env);
      const rt = await openRuntime({ db: opts.db, env: ctx.env, cwd: ctx.cwd });
      try {
        const app = await serverAppFor(rt, {
          logLevel: settings.logLevel,
          publicUrl: settings.publicUrl,
          log: (line) => ctx.stdout(line),
        });
        const server = await startServer(app, { host: settings.host, port: settings.port });
        ctx.stderr(`arrears serve: listening on ${server.url} (database ${rt.db.url})\n`);
        if (!settings.publicUrl)
          ctx.stderr(
            'arrears serve: ARREARS_PUBLIC_URL is not set; webhook URLs are rebuilt from the Host header\n',
          );
        await server.closed;
        ctx.stderr('arrears serve: stopped\n');
      } finally {
        await rt.close();
      }
    });
}

export interface ServerOptions {
  logLevel: string;
  publicUrl: string | undefined;
  /** Where JSON log lines go. */
  log: (line: string) => void;
  /** More `/api/v1` resources (the demo clock). */
  extraApiRoutes?: readonly ApiRoutes[];
  /** A dispatcher running in this process (its counts on /metrics). */
  dispatch?: AppDeps['dispatch'];
}

/** The package's root: dist/web (the built dashboard) sits under it. */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** The whole server of `serve` and `demo` over one runtime. */
export async function serverAppFor(rt: Runtime, o: ServerOptions) {
  // Sessions and the sign-in limit run on wall-clock time, even when the demo clock moves.
  const sessions = createSessionsRepo(rt.db, systemClock);
  const users = createUsersRepo(rt.db, rt.clock);
  return buildApp({
    health: createHealthRepo(rt.db, rt.orgId),
    metrics: createStorageMetrics(rt.db, rt.orgId, { clock: rt.clock }),
    webhooks: createWebhookRegistry([...sandboxConnectorsFor(rt), ...connectorsFor(rt).webhooks]),
    apiRoutes: [
      provideRepliesApi(inboundFor(rt.db, rt.clock)),
      provideReportsApi({
        ...storesFor(rt.db),
        reports: reportsRepo(rt.db),
        clock: rt.clock,
        renderPdf: renderReportPdf,
      }),
      ...queueAndCasesApi(rt),
      ...dashboardApiFor(rt),
      // Zapier REST hooks: stored and delivered only while the Zapier connector is on.
      ...(connectorsFor(rt).instances.some((i) => i.id === 'zapier')
        ? [provideHooksApi({ hooks: hookSubscriptionsRepo(rt.db), clock: rt.clock })]
        : []),
      ...(o.extraApiRoutes ?? []),
      ...API_V1_ROUTES,
    ],
    webhookEvents: createWebhookEventsRepo(rt.db, rt.orgId),
    ...webhookInboxFor(rt),
    auth: { ...createApiTokenAuth(rt.db), sessions },
    session: {
      sessions,
      users,
      now: () => Date.now(),
      ...(o.publicUrl ? { secureCookie: o.publicUrl.startsWith('https:') } : {}),
    },
    dashboard: { root: join(packageRoot(), 'dist', 'web') },
    ...handoffsFor(rt),
    clock: rt.clock,
    logger: { level: o.logLevel, stream: { write: o.log } },
    publicUrl: o.publicUrl,
    processMetrics: true,
    ...(o.dispatch ? { dispatch: o.dispatch } : {}),
    ...unsubscribeFor(rt),
  });
}

/** `ARREARS_WEBHOOK_INLINE_LIMIT`, when set: how many webhook events are handled inline. */
function webhookInboxFor(rt: Runtime): Pick<AppDeps, 'webhookInbox'> {
  const raw = rt.env.ARREARS_WEBHOOK_INLINE_LIMIT?.trim();
  if (!raw) return {};
  if (!/^\d+$/.test(raw))
    throw new InputError([
      {
        path: 'ARREARS_WEBHOOK_INLINE_LIMIT',
        message: `\`${raw}\` is not a whole number; use e.g. 8 (0: defer whenever allowed)`,
      },
    ]);
  return { webhookInbox: { inlineLimit: Number(raw) } };
}

/** The legal hand-off's expiring links, when ARREARS_LEGALZOOM_LINK_SECRET signs them. */
function handoffsFor(rt: Runtime): { handoffs?: HandoffRouteDeps } {
  const secret = rt.env.ARREARS_LEGALZOOM_LINK_SECRET;
  if (!secret) return {};
  return {
    handoffs: {
      readToken: (token) => readHandoffToken(secret, token, Date.now()),
      document: documentBytesOf(rt.db),
    },
  };
}

/** The outbox, approval queue, exceptions and case pages of `/api/v1`. */
function queueAndCasesApi(rt: Runtime) {
  const stores = storesFor(rt.db);
  const outbox = createOutboxRepo(rt.db, rt.clock);
  return [
    provideQueueApi({
      outbox,
      users: createUsersRepo(rt.db, rt.clock),
      clock: rt.clock,
      gate: (orgId, key) => gateFor(gateDeps(rt), orgId, key),
      portfolio: stores.portfolio,
    }),
    provideCasesApi({
      ...stores,
      cases: reportsRepo(rt.db),
      reported: reportsRepo(rt.db),
      outbox,
      documents: documentsRepo(rt.db, rt.clock),
      clock: rt.clock,
    }),
  ];
}

/** One-click unsubscribe links, when e-mail links are signed (ARREARS_UNSUBSCRIBE_SECRET). */
function unsubscribeFor(rt: Runtime): { unsubscribe?: UnsubscribeOptions } {
  const secret = rt.env.ARREARS_UNSUBSCRIBE_SECRET;
  if (!secret) return {};
  const stores = storesFor(rt.db);
  const deps = { clock: rt.clock, ...stores, tenantLeases: tenantLeasesStore(rt.db) };
  return { unsubscribe: { secret, optOut: (subject) => optOutByLink(deps, subject) } };
}

interface ServeSettings {
  host: string;
  port: number;
  publicUrl: string | undefined;
  logLevel: string;
}

/** Checks the options and the environment before anything is opened. */
export function serveSettings(
  opts: ServeOptions,
  env: Record<string, string | undefined>,
): ServeSettings {
  const issues: { path: string; message: string }[] = [];
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || port > 65535)
    issues.push({
      path: '--port',
      message: `\`${opts.port}\` is not a port; use a number from 0 to 65535 (0: any free port)`,
    });
  if (opts.host.trim() === '')
    issues.push({ path: '--host', message: 'is empty; use e.g. 127.0.0.1 or 0.0.0.0' });

  let publicUrl: string | undefined;
  const rawUrl = env.ARREARS_PUBLIC_URL?.trim();
  if (rawUrl) {
    let url: URL | undefined;
    try {
      url = new URL(rawUrl);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.search || url.hash)
      issues.push({
        path: 'ARREARS_PUBLIC_URL',
        message: `\`${rawUrl}\` is not a base URL; use e.g. https://arrears.example.com (no query)`,
      });
    else publicUrl = rawUrl.replace(/\/+$/, '');
  }

  const logLevel = env.ARREARS_LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!LOG_LEVELS.includes(logLevel))
    issues.push({
      path: 'ARREARS_LOG_LEVEL',
      message: `\`${env.ARREARS_LOG_LEVEL}\` is not a log level; use one of ${LOG_LEVELS.join(', ')}`,
    });

  if (issues.length > 0) throw new InputError(issues);
  return { host: opts.host.trim(), port, publicUrl, logLevel };
}
