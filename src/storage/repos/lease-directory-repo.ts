/**
 * Lease ids for paged lists and the cases of some leases (`LeaseDirectory` of
 * app/view-leases.ts): keyset pages by lease id, filtered by the caller's properties in
 * the query itself so a page is never short of visible rows. Scoped to one organisation.
 */
import type { LeaseDirectory } from '../../app/view-leases.js';
import type { CaseRecord } from '../../domain/reports/report-data.js';
import type { Db } from '../database.js';

const CHUNK = 500;

export function leaseDirectoryRepo(db: Db): LeaseDirectory {
  return {
    async leaseIds(orgId, query) {
      const scoped = query.propertyIds !== undefined && query.propertyIds !== null;
      if (scoped && query.propertyIds!.length === 0) return [];
      let q = db.kysely.selectFrom('leases').select('id').where('org_id', '=', orgId);
      if (scoped) q = q.where('property_id', 'in', [...query.propertyIds!]);
      if (query.propertyId !== undefined) q = q.where('property_id', '=', query.propertyId);
      if (query.status !== undefined) q = q.where('status', '=', query.status);
      if (query.after !== undefined) q = q.where('id', '>', query.after);
      const rows = await q.orderBy('id').limit(query.limit).execute();
      return rows.map((r) => r.id);
    },

    async casesOf(orgId, leaseIds) {
      const out: CaseRecord[] = [];
      const ids = [...new Set(leaseIds)];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const rows = await db.kysely
          .selectFrom('cases')
          .select([
            'lease_id',
            'episode',
            'opened',
            'anchor',
            'closed',
            'outcome',
            'policy_id',
            'policy_version',
          ])
          .where('org_id', '=', orgId)
          .where('lease_id', 'in', ids.slice(i, i + CHUNK))
          .execute();
        for (const r of rows)
          out.push({
            leaseId: r.lease_id,
            episode: Number(r.episode),
            opened: r.opened,
            anchor: r.anchor,
            closed: r.closed ?? null,
            outcome: r.outcome ?? null,
            policyId: r.policy_id ?? null,
            policyVersion:
              r.policy_version === null || r.policy_version === undefined
                ? null
                : Number(r.policy_version),
          });
      }
      return out.sort((a, b) =>
        a.leaseId !== b.leaseId ? (a.leaseId < b.leaseId ? -1 : 1) : a.episode - b.episode,
      );
    },
  };
}
