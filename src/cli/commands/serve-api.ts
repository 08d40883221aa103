/**
 * The dashboard's resources of `/api/v1` (leases, events and holds, tasks, policies, audit,
 * users, connectors) wired to the runtime's stores: `arrears serve` registers these plugins
 * before API_V1_ROUTES, e.g.
 *
 *   apiRoutes: [...dashboardApiFor(rt), ...API_V1_ROUTES]
 *
 * The connectors API gets two functions instead of the registry, so http/ never imports
 * connectors/ or main.ts.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ConnectorTest } from '../../http/routes/v1/connectors.js';
import { CONNECTOR_IDS } from '../../connectors/contract.js';
import { listConnectors, moduleOf } from '../../connectors/registry.js';
import { provideAuditApi } from '../../http/routes/v1/audit.js';
import { provideConnectorsApi } from '../../http/routes/v1/connectors.js';
import { provideEventsApi } from '../../http/routes/v1/events.js';
import { provideLeasesApi } from '../../http/routes/v1/leases.js';
import { scanPortfolio } from '../../app/scan-portfolio.js';
import { providePoliciesApi } from '../../http/routes/v1/policies.js';
import { provideTasksApi } from '../../http/routes/v1/tasks.js';
import { provideUsersApi } from '../../http/routes/v1/users.js';
import { connectorsFor, scanDepsFor, storesFor, type Runtime } from '../../main.js';
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

/** `arrears connectors test ID`, as the connectors API's `test` function. */
export function connectorTester(rt: Runtime): (id: string) => Promise<ConnectorTest> {
  return async (id) => {
    if (!moduleOf(id))
      return (CONNECTOR_IDS as readonly string[]).includes(id)
        ? { outcome: 'unavailable' }
        : { outcome: 'unknown' };
    const listing = listConnectors(rt.env).find((r) => r.id === id);
    if (!listing?.configured) return { outcome: 'not_configured', missing: listing?.missing ?? [] };
    const instance = connectorsFor(rt).instances.find((i) => i.id === id);
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
      state: stores.state,
      leases: leaseDirectoryRepo(rt.db),
    }),
    provideEventsApi({
      clock,
      portfolio: stores.portfolio,
      policies: stores.policies,
      state: stores.state,
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
    provideConnectorsApi({ list: () => listConnectors(rt.env), test: connectorTester(rt) }),
  ];
}
