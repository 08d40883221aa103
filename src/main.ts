/**
 * The composition root: opens the database named by `--db` / `ARREARS_DB`, brings it to
 * the latest migration and hands commands and the HTTP server what they need. Adapters
 * (cli/, http/) get their storage through here; use cases in app/ get ports.
 */
import { type Clock, systemClock } from './app/ports/clock.js';
import type { WebhookConnector } from './app/ports/webhooks.js';
import { makeFallbackPlanner } from './app/plan-fallback.js';
import type { InboundDeps } from './app/receive-reply.js';
import { sandboxMailWebhookConnector } from './connectors/sandbox/mail-webhook.js';
import { sandboxWebhookConnectors } from './connectors/sandbox/webhooks.js';
import { documentsRepo } from './storage/repos/documents-repo.js';
import { createOutboxRepo } from './storage/repos/outbox-repo.js';
import { createRepliesRepo } from './storage/repos/replies-repo.js';
import { createSuggestionsRepo } from './storage/repos/suggestions-repo.js';
import { openDatabase, resolveDbUrl, type Db, type DbTransaction } from './storage/database.js';
import { migrateToLatest } from './storage/migrate.js';
import { DEFAULT_ORG_ID, ensureDefaultOrganisation } from './storage/repos/organisations-repo.js';
import { createOutboxExpiryRepo } from './storage/repos/outbox-expiry-repo.js';
import { plannedItemsWriter } from './storage/repos/planned-items-repo.js';
import { policyStore } from './storage/repos/policies-repo.js';
import { portfolioStore } from './storage/repos/portfolio-repo.js';
import { scanStateStore } from './storage/repos/scan-state-repo.js';

export interface Runtime {
  db: Db;
  clock: Clock;
  /** The organisation the CLI acts for (single-tenant installs use `default`). */
  orgId: string;
  env: Record<string, string | undefined>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  db?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  clock?: Clock;
}

/** Opens and migrates the database; the `default` organisation always exists afterwards. */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const db = await openDatabase(resolveDbUrl(options.db, options.env), { cwd: options.cwd });
  try {
    await migrateToLatest(db);
    const clock = options.clock ?? systemClock;
    await ensureDefaultOrganisation(db, new Date(clock.now()).toISOString());
    return {
      db,
      clock,
      orgId: options.env.ARREARS_ORG ?? DEFAULT_ORG_ID,
      env: options.env,
      close: () => db.close(),
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}

/** Runs `fn` with a runtime and always closes it. */
export async function withRuntime<T>(
  options: RuntimeOptions,
  fn: (rt: Runtime) => Promise<T>,
): Promise<T> {
  const rt = await openRuntime(options);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** The storage implementations of the app ports, over one database. */
export function storesFor(db: Db) {
  return {
    portfolio: portfolioStore(db),
    policies: policyStore(db),
    state: scanStateStore(db),
    outbox: plannedItemsWriter(db),
    expiry: createOutboxExpiryRepo(db),
  };
}

/** What inbound replies and their suggestions need (app/receive-reply.ts), over one database. */
export function inboundFor(db: Db, clock: Clock): InboundDeps<DbTransaction> {
  return {
    inbound: createRepliesRepo(db),
    suggestions: createSuggestionsRepo(db),
    outbox: createOutboxRepo(db, clock),
    clock,
  };
}

/**
 * The sandbox channels' webhook connectors (`/webhooks/sandbox-sms`, `/webhooks/sandbox-email`),
 * signed with `ARREARS_SANDBOX_WEBHOOK_SECRET` (refused while it is not set). A server adds
 * them to its registry: `createWebhookRegistry(sandboxConnectorsFor(rt))`, and hands the
 * replies API its stores: `apiRoutes: [provideRepliesApi(inboundFor(rt.db, rt.clock)), ...API_V1_ROUTES]`.
 */
export function sandboxConnectorsFor(rt: Runtime): WebhookConnector[] {
  const stores = storesFor(rt.db);
  const secret = rt.env.ARREARS_SANDBOX_WEBHOOK_SECRET;
  return [
    ...sandboxWebhookConnectors({
      ...inboundFor(rt.db, rt.clock),
      onFailed: makeFallbackPlanner({ clock: rt.clock, ...stores }),
      orgId: rt.orgId,
      secret,
    }),
    sandboxMailWebhookConnector({
      clock: rt.clock,
      documents: documentsRepo(rt.db, rt.clock),
      outbox: createOutboxRepo(rt.db, rt.clock),
      portfolio: stores.portfolio,
      policies: stores.policies,
      state: stores.state,
      planned: stores.outbox,
      orgId: rt.orgId,
      secret,
    }),
  ];
}
