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
import {
  DEFAULT_ORG_ID,
  ensureDefaultOrganisation,
  lockOrganisation,
} from './storage/repos/organisations-repo.js';
import { createOutboxExpiryRepo } from './storage/repos/outbox-expiry-repo.js';
import { plannedItemsWriter } from './storage/repos/planned-items-repo.js';
import { policyStore } from './storage/repos/policies-repo.js';
import { portfolioStore } from './storage/repos/portfolio-repo.js';
import { scanStateStore } from './storage/repos/scan-state-repo.js';
import type { OutboxItem } from './app/ports/outbox.js';
import { approveActions } from './app/approve-action.js';
import { gateFor, type GateDeps } from './app/pre-action-gate.js';
import { receiveDeliveryStatus, receiveReply } from './app/receive-reply.js';
import { recordMailEvent } from './app/record-mail-event.js';
import { parseEvents, recordEvents } from './app/record-events.js';
import { rejectAction } from './app/reject-action.js';
import type {
  ConnectorContext,
  ConnectorLog,
  QueueActions,
  RecipientLookup,
} from './connectors/context.js';
import { evidencePacketSource } from './connectors/legalzoom/packet.js';
import { buildConnectors, moduleOf, type BuiltConnectors } from './connectors/registry.js';
import { connectorSettings } from './connectors/settings.js';
import { appendAudit } from './storage/repos/audit-repo.js';
import { AppError, InputError } from './domain/errors.js';
import {
  open as openSealed,
  seal as sealSecret,
  secretsKeyFrom,
  SECRETS_KEY_ENV,
} from './connectors/secret-box.js';
import {
  connectorSettingsRepo,
  type StoredConnectorSetting,
} from './storage/repos/connector-settings-repo.js';
import { unsubscribeToken } from './outbox/unsubscribe-token.js';
import { createGatesRepo } from './storage/repos/gates-repo.js';
import { createUsersRepo } from './storage/repos/users-repo.js';
import type { CaseContext, WriteBackDeps } from './app/write-back.js';
import type { ScanDeps } from './app/scan-portfolio.js';
import { allocate } from './domain/ledger/allocation.js';
import type { Lease, Portfolio } from './domain/portfolio/schema.js';
import { connectorCursorsRepo } from './storage/repos/connector-cursors-repo.js';
import { hookSubscriptionsRepo } from './storage/repos/hook-subscriptions-repo.js';

export interface Runtime {
  db: Db;
  clock: Clock;
  /** The organisation the CLI acts for (single-tenant installs use `default`). */
  orgId: string;
  env: Record<string, string | undefined>;
  /** Connector settings from the encrypted store, sealed (opened by `storedSettingsOf`). */
  storedConnectorSettings?: StoredConnectorSetting[];
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
    const orgId = options.env.ARREARS_ORG ?? DEFAULT_ORG_ID;
    return {
      db,
      clock,
      orgId,
      env: options.env,
      storedConnectorSettings: await connectorSettingsRepo(db).list(orgId),
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

/** What the gate use cases need, over the runtime's database (`gate`, `approve`, chat buttons). */
export function gateDeps(rt: Runtime): GateDeps<DbTransaction> {
  const stores = storesFor(rt.db);
  return {
    outbox: createOutboxRepo(rt.db, rt.clock),
    documents: documentsRepo(rt.db, rt.clock),
    portfolio: stores.portfolio,
    policies: stores.policies,
    gates: createGatesRepo(rt.db),
    users: createUsersRepo(rt.db, rt.clock),
    clock: rt.clock,
  };
}

// ---------------------------------------------------------------------------------------
// Connectors (SPEC 11)

/** The lease's primary tenant (else its first): who lease-level items reach. */
function primaryTenantOf(p: Portfolio, lease: Lease): string | undefined {
  return (
    lease.tenantIds.find((t) => p.tenants.find((x) => x.id === t)?.role === 'primary') ??
    lease.tenantIds[0]
  );
}

/** The item's contact as a provider needs it: the tenant and the property's office. */
function recipientLookup(rt: Runtime): RecipientLookup {
  const portfolio = storesFor(rt.db).portfolio;
  return {
    async contactOf(item) {
      const p = await portfolio.loadPortfolio(item.orgId, [item.leaseId]);
      const lease = p.leases.find((l) => l.id === item.leaseId);
      // Lease-level items (writeback, status) name no contact: the lease's primary tenant.
      const id = item.contactId ?? (lease && primaryTenantOf(p, lease));
      const tenant = p.tenants.find((t) => t.id === id);
      if (!tenant) return null;
      const property = p.properties.find((x) => x.id === lease?.propertyId);
      return {
        tenantId: tenant.id,
        name: tenant.name,
        phone: tenant.phone ?? null,
        email: tenant.email ?? null,
        language: tenant.language,
        office: {
          name: property?.legalName ?? property?.name ?? 'the office',
          phone: property?.phone ?? null,
          email: property?.email ?? null,
        },
      };
    },
    async leaseOf(item) {
      const p = await portfolio.loadPortfolio(item.orgId, [item.leaseId]);
      const lease = p.leases.find((l) => l.id === item.leaseId);
      return lease ? { leaseId: lease.id, unit: lease.unit, propertyId: lease.propertyId } : null;
    },
  };
}

/** Chat buttons approve and reject as the clicking user, with that user's role. */
function queueActionsFor(rt: Runtime): QueueActions {
  const users = createUsersRepo(rt.db, rt.clock);
  const deps = {
    outbox: createOutboxRepo(rt.db, rt.clock),
    users,
    clock: rt.clock,
    gate: (orgId: string, key: string) => gateFor(gateDeps(rt), orgId, key),
  };
  const as = async (email: string) => users.findByEmail(rt.orgId, email);
  const fail = (e: unknown) => ({ ok: false, message: (e as Error).message });
  return {
    async approve(key, email) {
      const user = await as(email);
      if (!user) return { ok: false, message: `no Arrears user ${email}` };
      try {
        const r = await approveActions(deps, rt.orgId, user, { keys: [key] });
        if (r.refused.length > 0) return { ok: false, message: r.refused[0]!.message };
        return r.approved.length > 0
          ? { ok: true, message: `${key} approved by ${email}` }
          : {
              ok: true,
              message: `${key}: approval by ${email} recorded; a second approver is needed`,
            };
      } catch (e) {
        return fail(e);
      }
    },
    async reject(key, email, reason) {
      const user = await as(email);
      if (!user) return { ok: false, message: `no Arrears user ${email}` };
      try {
        const r = await rejectAction(deps, rt.orgId, user, key, reason);
        return r.ok
          ? { ok: true, message: `${key} rejected by ${email}` }
          : { ok: false, message: r.message };
      } catch (e) {
        return fail(e);
      }
    },
  };
}

function connectorLog(rt: Runtime, id: string): ConnectorLog {
  const write = (level: string, fields: Record<string, unknown>, message: string) => {
    if (rt.env.ARREARS_LOG_LEVEL === 'silent') return;
    process.stderr.write(
      `${JSON.stringify({ level, time: new Date(rt.clock.now()).toISOString(), connector: id, ...fields, msg: message })}\n`,
    );
  };
  return {
    info: (fields, message) => write('info', fields, message),
    warn: (fields, message) => write('warn', fields, message),
  };
}

const builtConnectors = new WeakMap<Runtime, BuiltConnectors>();

/**
 * The configured connectors of this runtime (built once): their sender routes go over the
 * sandbox's, their webhooks into the server's registry.
 */
export function connectorsFor(rt: Runtime): BuiltConnectors {
  const cached = builtConnectors.get(rt);
  if (cached) return cached;
  const stores = storesFor(rt.db);
  const inboundDeps = {
    ...inboundFor(rt.db, rt.clock),
    onFailed: makeFallbackPlanner({ clock: rt.clock, ...stores }),
  };
  const mailDeps = {
    clock: rt.clock,
    documents: documentsRepo(rt.db, rt.clock),
    outbox: createOutboxRepo(rt.db, rt.clock),
    portfolio: stores.portfolio,
    policies: stores.policies,
    state: stores.state,
    planned: stores.outbox,
  };
  const publicUrl = rt.env.ARREARS_PUBLIC_URL?.replace(/\/+$/, '');
  const unsubscribeSecret = rt.env.ARREARS_UNSUBSCRIBE_SECRET;
  const recipients = recipientLookup(rt);
  const queue = queueActionsFor(rt);
  const stored = storedSettingsOf(rt);
  const packets = evidencePacketSource({
    portfolio: stores.portfolio,
    documents: documentsRepo(rt.db, rt.clock),
    clock: rt.clock,
  });
  const built = buildConnectors(
    rt.env,
    (manifest) => ({
      orgId: rt.orgId,
      clock: rt.clock,
      publicUrl,
      recipients,
      queue,
      packets,
      settingsOf(id) {
        const module = moduleOf(id);
        if (!module) throw new Error(`connector ${id} is not shipped`);
        return connectorSettings(module.manifest, rt.env, stored(id));
      },
      audit: (entry) =>
        rt.db.transaction(async (trx) => {
          await lockOrganisation(trx, rt.orgId);
          await appendAudit(trx, rt.orgId, {
            at: new Date(rt.clock.now()).toISOString(),
            actor: `provider:${manifest.id}`,
            ...entry,
          });
        }),
      log: connectorLog(rt, manifest.id),
      ...persistFor(rt, manifest.id),
      inbound: {
        reply: (m) => receiveReply(inboundDeps, { ...m, orgId: rt.orgId, provider: manifest.id }),
        delivery: (r) =>
          receiveDeliveryStatus(inboundDeps, { ...r, orgId: rt.orgId, provider: manifest.id }),
        async events(events) {
          const parsed = parseEvents(JSON.stringify(events), `${manifest.id} webhook`);
          await recordEvents(
            { clock: rt.clock, ...stores },
            rt.orgId,
            parsed,
            manifest.id,
            `provider:${manifest.id}`,
          );
        },
        async mailEvent(event) {
          try {
            return await recordMailEvent(mailDeps, rt.orgId, { provider: manifest.id, ...event });
          } catch (e) {
            if (e instanceof AppError && e.code === 'not_found') return null;
            throw e;
          }
        },
      },
      ...(unsubscribeSecret && publicUrl
        ? {
            unsubscribeUrl: (item: OutboxItem) =>
              item.contactId === null
                ? undefined
                : `${publicUrl}/unsubscribe/${unsubscribeToken(unsubscribeSecret, { orgId: item.orgId, contactId: item.contactId })}`,
          }
        : {}),
    }),
    stored,
  );
  builtConnectors.set(rt, built);
  return built;
}

/** The lease context write-back sinks get with each case event. */
function caseContextLoader(
  rt: Runtime,
): (orgId: string, leaseId: string) => Promise<CaseContext | null> {
  const portfolio = storesFor(rt.db).portfolio;
  return async (orgId, leaseId) => {
    const p = await portfolio.loadPortfolio(orgId, [leaseId]);
    const lease = p.leases.find((l) => l.id === leaseId);
    if (!lease) return null;
    const tenantId = primaryTenantOf(p, lease);
    const tenant = p.tenants.find((t) => t.id === tenantId);
    const property = p.properties.find((x) => x.id === lease.propertyId);
    const today = new Date(rt.clock.now()).toISOString().slice(0, 10);
    const { balanceCents } = allocate(
      p.ledger.filter((e) => e.leaseId === leaseId && e.date <= today),
    );
    return {
      leaseId,
      unit: lease.unit,
      tenant: tenant
        ? {
            id: tenant.id,
            name: tenant.name,
            email: tenant.email ?? null,
            phone: tenant.phone ?? null,
          }
        : null,
      property: property
        ? {
            id: property.id,
            name: property.name,
            kind: property.kind,
            jurisdiction: property.jurisdiction,
          }
        : null,
      balanceCents,
    };
  };
}

/** What app/write-back.ts needs over the runtime's database. */
export function writeBackDepsFor(rt: Runtime): WriteBackDeps {
  return {
    cursors: connectorCursorsRepo(rt.db, rt.clock),
    audit: hookSubscriptionsRepo(rt.db),
    context: caseContextLoader(rt),
    clock: rt.clock,
  };
}

/**
 * The stored connector settings of the runtime's organisation, opened with
 * ARREARS_SECRETS_KEY (the environment overrides any of them).
 */
export function storedSettingsOf(rt: Runtime): (id: string) => Record<string, string> {
  const stored = rt.storedConnectorSettings ?? [];
  if (stored.length === 0) return () => ({});
  const key = secretsKeyFrom(rt.env);
  if (!key)
    throw new InputError([
      {
        path: SECRETS_KEY_ENV,
        message:
          'connector settings are stored encrypted in the database; set the key they were stored with',
      },
    ]);
  const byConnector = new Map<string, Record<string, string>>();
  for (const s of stored) {
    const values = byConnector.get(s.connector) ?? {};
    values[s.key] = openSealed(key, `${s.connector}:${s.key}`, s.sealed);
    byConnector.set(s.connector, values);
  }
  return (id) => byConnector.get(id) ?? {};
}

/** Rotated secrets go to the encrypted settings store when a key is configured. */
function persistFor(
  rt: Runtime,
  id: string,
): { persistSetting?: ConnectorContext['persistSetting'] } {
  const key = secretsKeyFrom(rt.env);
  if (!key) return {};
  return {
    async persistSetting(setting, value) {
      await connectorSettingsRepo(rt.db).put(
        rt.orgId,
        id,
        setting,
        sealSecret(key, `${id}:${setting}`, value),
        `provider:${id}`,
        new Date(rt.clock.now()).toISOString(),
      );
    },
  };
}

/**
 * What a scan needs over the runtime: the stores, and the pay links of a configured
 * payments connector (Stripe's hosted invoice page) for the messages it drafts.
 */
export function scanDepsFor(rt: Runtime, clock: Clock = rt.clock): ScanDeps {
  const payer = connectorsFor(rt).instances.find(
    (i): i is typeof i & { payLinkFor: PayLinkFor } =>
      typeof (i as { payLinkFor?: unknown }).payLinkFor === 'function',
  );
  return {
    clock,
    ...storesFor(rt.db),
    ...(payer
      ? {
          async payLinks(_orgId, leases) {
            const links = new Map<string, string>();
            for (const l of leases) {
              // A provider that cannot answer leaves the message without a link, never unsent.
              const url = await payer.payLinkFor(l.leaseId, l.email).catch(() => null);
              if (url) links.set(l.leaseId, url);
            }
            return links;
          },
        }
      : {}),
  };
}

type PayLinkFor = (leaseId: string, email: string | null) => Promise<string | null>;
