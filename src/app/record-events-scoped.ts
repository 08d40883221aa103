/**
 * `arrears event` for a caller limited to some properties (SPEC 3.1 events over the API):
 * before the events go to the same use case (record-events.ts), each must reach only
 * leases the caller sees. A lease, tenant or property outside the caller's properties is
 * reported exactly like one that does not exist; an event reaching the whole organisation
 * (an organisation-wide hold, an event naming no lease, tenant or property) needs a caller
 * who sees every property.
 */
import { InputError, type InputIssue } from '../domain/errors.js';
import type { PortfolioEvent } from '../domain/portfolio/schema.js';
import { seesAllProperties, seesProperty, type Visibility } from './lease-access.js';
import type { PortfolioStore, SaveResult, TenantLeases } from './ports/portfolio.js';
import { recordEvents, type EventDeps } from './record-events.js';

export interface ScopedEventDeps extends EventDeps {
  tenantLeases: TenantLeases;
}

/** Every issue of `events` the caller may not record (paths `[i].field`), none when allowed. */
export async function outOfScopeIssues(
  deps: { portfolio: Pick<PortfolioStore, 'loadPortfolio' | 'propertyIds'> } & {
    tenantLeases: TenantLeases;
  },
  v: Visibility,
  events: readonly PortfolioEvent[],
): Promise<InputIssue[]> {
  const leaseIds = [
    ...new Set(events.flatMap((e) => (e.leaseId !== undefined ? [e.leaseId] : []))),
  ];
  const slice = leaseIds.length > 0 ? await deps.portfolio.loadPortfolio(v.orgId, leaseIds) : null;
  const leaseProperty = new Map(slice?.leases.map((l) => [l.id, l.propertyId]));
  const known = await deps.portfolio.propertyIds(v.orgId);
  const all = seesAllProperties(v);
  const tenantCache = new Map<string, string[] | null>();
  const tenantProperties = async (tenantId: string): Promise<string[] | null> => {
    if (!tenantCache.has(tenantId)) {
      const leases = await deps.tenantLeases.leasesOfTenant(v.orgId, tenantId);
      if (leases.length === 0) tenantCache.set(tenantId, null);
      else {
        const s = await deps.portfolio.loadPortfolio(
          v.orgId,
          leases.map((l) => l.leaseId),
        );
        tenantCache.set(tenantId, [...new Set(s.leases.map((l) => l.propertyId))]);
      }
    }
    return tenantCache.get(tenantId) ?? null;
  };

  const issues: InputIssue[] = [];
  for (const [i, e] of events.entries()) {
    const scope = e.type === 'hold' || e.type === 'release' ? e.scope : undefined;
    if (e.leaseId !== undefined) {
      const pid = leaseProperty.get(e.leaseId);
      if (pid === undefined || !seesProperty(v, pid))
        issues.push({
          path: `[${i}].leaseId`,
          message: `no lease has id \`${e.leaseId}\`; import it first or fix the id`,
        });
    }
    if (e.propertyId !== undefined && (!known.has(e.propertyId) || !seesProperty(v, e.propertyId)))
      issues.push({
        path: `[${i}].propertyId`,
        message: `no property has id \`${e.propertyId}\`; import it first or fix the id`,
      });
    // A tenant on no lease is unknown to everyone; one renting elsewhere, to a caller
    // limited to other properties.
    if (e.tenantId !== undefined && e.leaseId === undefined) {
      const pids = await tenantProperties(e.tenantId);
      if (pids === null || (!all && !pids.every((p) => seesProperty(v, p))))
        issues.push({
          path: `[${i}].tenantId`,
          message: `no tenant has id \`${e.tenantId}\`; import it first or fix the id`,
        });
    }
    const reachesAll =
      scope === 'organisation' ||
      (e.leaseId === undefined && e.tenantId === undefined && e.propertyId === undefined);
    if (reachesAll && !all)
      issues.push({
        path: `[${i}]${scope === 'organisation' ? '.scope' : ''}`,
        message:
          'this event reaches every lease of the organisation; name a lease, tenant or property you manage',
      });
  }
  return issues;
}

/** Records `events` as `actor` once every one is within the caller's reach. */
export async function recordEventsFor(
  deps: ScopedEventDeps,
  v: Visibility,
  events: PortfolioEvent[],
  actor: string,
  source = 'http',
): Promise<SaveResult> {
  const issues = await outOfScopeIssues(deps, v, events);
  if (issues.length > 0) throw new InputError(issues);
  return recordEvents(deps, v.orgId, events, source, actor);
}
