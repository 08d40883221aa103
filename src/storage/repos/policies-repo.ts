/** Policies, one row per (id, version); the body is the validated policy as JSON. */
import type { PolicyStore, StoredPolicy } from '../../app/ports/policies.js';
import type { Policy } from '../../domain/policy/schema.js';
import type { Db } from '../database.js';
import { appendAudit } from './audit-repo.js';
import { lockOrganisation } from './organisations-repo.js';

type Row = { id: string; version: number; body: string; author: string; created_at: string };

function toStored(r: Row): StoredPolicy {
  const policy = JSON.parse(r.body) as Policy;
  return {
    policy: { ...policy, version: r.version },
    version: r.version,
    author: r.author,
    createdAt: r.created_at,
  };
}

export function policyStore(db: Db): PolicyStore {
  return {
    save: (orgId, policy, author, at) =>
      db.transaction(async (trx) => {
        await lockOrganisation(trx, orgId);
        const last = await trx
          .selectFrom('policies')
          .select((eb) => eb.fn.max('version').as('v'))
          .where('org_id', '=', orgId)
          .where('id', '=', policy.id)
          .executeTakeFirst();
        const version = Number(last?.v ?? 0) + 1;
        const body = JSON.stringify({ ...policy, version });
        await trx
          .insertInto('policies')
          .values({ org_id: orgId, id: policy.id, version, body, author, created_at: at })
          .execute();
        await appendAudit(trx, orgId, {
          at,
          actor: author,
          type: 'policy.saved',
          subject: `policy:${policy.id}`,
          data: { id: policy.id, version, stages: policy.stages.map((s) => s.id) },
        });
        return { policy: { ...policy, version }, version, author, createdAt: at };
      }),
    async current(orgId) {
      const rows = await db.kysely
        .selectFrom('policies as p')
        .select(['p.id', 'p.version', 'p.body', 'p.author', 'p.created_at'])
        .where('p.org_id', '=', orgId)
        .where((eb) =>
          eb(
            'p.version',
            '=',
            eb
              .selectFrom('policies as q')
              .select((q) => q.fn.max('q.version').as('v'))
              .whereRef('q.org_id', '=', 'p.org_id')
              .whereRef('q.id', '=', 'p.id'),
          ),
        )
        .orderBy('p.id')
        .execute();
      return rows.map(toStored);
    },
    async history(orgId) {
      const rows = await db.kysely
        .selectFrom('policies')
        .select(['id', 'version', 'body', 'author', 'created_at'])
        .where('org_id', '=', orgId)
        .orderBy('id')
        .orderBy('version', 'desc')
        .execute();
      return rows.map(toStored);
    },
  };
}
