/** Which leases a tenant is on, with the time zone of each lease's property. */
import type { TenantLeases } from '../../app/ports/portfolio.js';
import type { Db } from '../database.js';

export function tenantLeasesStore(db: Db): TenantLeases {
  return {
    async leasesOfTenant(orgId, tenantId) {
      const rows = await db.kysely
        .selectFrom('lease_tenants as t')
        .innerJoin('leases as l', (j) =>
          j.onRef('l.org_id', '=', 't.org_id').onRef('l.id', '=', 't.lease_id'),
        )
        .innerJoin('properties as p', (j) =>
          j.onRef('p.org_id', '=', 'l.org_id').onRef('p.id', '=', 'l.property_id'),
        )
        .select(['l.id as leaseId', 'p.timezone as timezone'])
        .where('t.org_id', '=', orgId)
        .where('t.tenant_id', '=', tenantId)
        .orderBy('l.id')
        .execute();
      return rows;
    },
  };
}
