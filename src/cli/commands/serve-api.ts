/**
 * The dashboard's resources of `/api/v1` (leases, events and holds, tasks, policies, audit,
 * users, connectors) wired to the runtime's stores: `arrears serve` registers these plugins
 * before API_V1_ROUTES, e.g.
 *
 *   apiRoutes: [...dashboardApiFor(rt), ...API_V1_ROUTES]
 *
 * The connectors API gets two functions instead of the registry, so http/ never imports
 * connectors/ or main.ts. They resolve settings as `arrears connectors list / test` do: the
 * environment, then the caller's organisation's settings stored with `connectors set`
 * (read on each request, so a setting stored while the server runs shows at once).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ConnectorTest } from '../../http/routes/v1/connectors.js';
import { CONNECTOR_IDS } from '../../connectors/contract.js';
import { listConnectors, moduleOf, type ConnectorListing } from '../../connectors/registry.js';
import { provideAuditApi } from '../../http/routes/v1/audit.js';
import { provideConnectorsApi } from '../../http/routes/v1/connectors.js';
import { provideEventsApi } from '../../http/routes/v1/events.js';
import { provideLeasesApi } from '../../http/routes/v1/leases.js';
import { scanPortfolio } from '../../app/scan-portfolio.js';
import { providePoliciesApi } from '../../http/routes/v1/policies.js';
import { provideTasksApi } from '../../http/routes/v1/tasks.js';
import { provideUsersApi } from '../../http/routes/v1/users.js';
import {
  connectorsFor,
  scanDepsFor,
  storedSettingsOf,
  storesFor,
  type Runtime,
} from '../../main.js';
import { connectorSettingsRepo } from '../../storage/repos/connector-settings-repo.js';
import { auditLogRepo } from '../../storage/repos/audit-log-repo.js';
import { leaseDirectoryRepo } from '../../storage/repos/lease-directory-repo.js';
import { createOutboxRepo } from '../../storage/repos/outbox-repo.js';
import { tasksRepo } from '../../storage/repos/tasks-repo.js';
import { taskPhotosRepo } from '../../storage/repos/task-photos-repo.js';
import { documentsRepo } from '../../storage/repos/documents-repo.js';
import { tenantLeasesStore } from '../../storage/repos/tenant-leases-repo.js';
import { createUsersRepo } from '../../storage/repos/users-repo.js';

/** How long a connector's verify request may take. */
const VERIFY_TIMEOUT_MS = 30_000;

/**
 * The runtime of `orgId` with the connector settings stored for it now (as `openRuntime`
 * reads them for the CLI), so `storedSettingsOf` and `connectorsFor` see them.
 */
async function withStoredSettings(rt: Runtime, orgId: string): Promise<Runtime> {
  return {
    ...rt,
    orgId,
    storedConnectorSettings: await connectorSettingsRepo(rt.db).list(orgId),
  };
}

/** `arrears connectors list`, as the connectors API's `list` function. */
export function connectorLister(rt: Runtime): (orgId: string) => Promise<ConnectorListing[]> {
  return async (orgId) =>
    listConnectors(rt.env, storedSettingsOf(await withStoredSettings(rt, orgId)));
}

/** `arrears connectors test ID`, as the connectors API's `test` function. */
export function connectorTester(
  rt: Runtime,
): (id: string, orgId: string) => Promise<ConnectorTest> {
  return async (id, orgId) => {
    if (!moduleOf(id))
      return (CONNECTOR_IDS as readonly string[]).includes(id)
        ? { outcome: 'unavailable' }
        : { outcome: 'unknown' };
    const org = await withStoredSettings(rt, orgId);
    const listing = listConnectors(rt.env, storedSettingsOf(org)).find((r) => r.id === id);
    if (!listing?.configured) return { outcome: 'not_configured', missing: listing?.missing ?? [] };
    const instance = connectorsFor(org).instances.find((i) => i.id === id);
    if (!instance) return { outcome: 'not_configured', missing: listing.missing };
    const result = await instance.verify(AbortSignal.timeout(VERIFY_TIMEOUT_MS));
    return { outcome: 'ran', ...result };
  };
}

/** Every `provide…Api` plugin the dashboard's routes need, over the runtime's database. */
export function dashboardApiFor(rt: Runtime): FastifyPluginAsync[] {
  const stores = storesFor(rt.db);
  const clock = rt.clock;
  return [
    provideLeasesApi({
      evaluateChanged: async (orgId) => {
        await scanPortfolio(scanDepsFor(rt), { orgId, actor: 'system:payment' });
      },
      clock,
      portfolio: stores.portfolio,
      policies: stores.policies,
      leases: leaseDirectoryRepo(rt.db),
    }),
    provideEventsApi({
      clock,
      portfolio: stores.portfolio,
      policies: stores.policies,
      tenantLeases: tenantLeasesStore(rt.db),
    }),
    provideTasksApi({
      clock,
      outbox: createOutboxRepo(rt.db, clock),
      tasks: tasksRepo(rt.db),
      photos: taskPhotosRepo(rt.db),
      documents: documentsRepo(rt.db, clock),
    }),
    providePoliciesApi({
      clock,
      policies: stores.policies,
      portfolio: stores.portfolio,
      state: stores.state,
    }),
    provideAuditApi({ audit: auditLogRepo(rt.db) }),
    provideUsersApi({ users: createUsersRepo(rt.db, clock) }),
    provideConnectorsApi({ list: connectorLister(rt), test: connectorTester(rt) }),
  ];
}
