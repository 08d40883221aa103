/**
 * The audit log read over the API (`AuditLog` of app/read-audit.ts): pages of one
 * organisation's chain and the verification of that one chain, with the same checks as
 * `verifyAudit` (audit-repo.ts) runs over every organisation.
 */
import { sql, type Selectable } from 'kysely';
import type { AuditLog, ChainVerification } from '../../app/read-audit.js';
import { ChainVerifier, type AuditEntry } from '../../domain/audit/chain.js';
import type { Db } from '../database.js';
import type { AuditTable } from '../schema.js';

const PAGE = 1000;

function parseData(text: string): AuditEntry['data'] | undefined {
  try {
    return JSON.parse(text) as AuditEntry['data'];
  } catch {
    return undefined;
  }
}

function toEntry(row: Selectable<AuditTable>, data: AuditEntry['data']): AuditEntry {
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    type: row.type,
    subject: row.subject,
    data,
    dataHash: row.data_hash,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function auditLogRepo(db: Db): AuditLog {
  return {
    async list(orgId, query) {
      const scoped = query.propertyIds !== undefined && query.propertyIds !== null;
      if (scoped && query.propertyIds!.length === 0) return [];
      let q = db.kysely.selectFrom('audit as a').selectAll('a').where('a.org_id', '=', orgId);
      if (query.subject !== undefined) q = q.where('a.subject', '=', query.subject);
      if (query.type !== undefined) q = q.where('a.type', '=', query.type);
      if (query.afterSeq !== undefined)
        q = q.where('a.seq', query.order === 'asc' ? '>' : '<', query.afterSeq);
      if (scoped) {
        const pids = [...query.propertyIds!];
        q = q.where((eb) =>
          eb.or([
            eb(
              'a.subject',
              'in',
              eb
                .selectFrom('leases as l')
                .select(sql<string>`'lease:' || l.id`.as('s'))
                .where('l.org_id', '=', orgId)
                .where('l.property_id', 'in', pids),
            ),
            eb(
              'a.subject',
              'in',
              eb
                .selectFrom('outbox as o')
                .innerJoin('leases as l', (j) =>
                  j.onRef('l.org_id', '=', 'o.org_id').onRef('l.id', '=', 'o.lease_id'),
                )
                .select(sql<string>`'outbox:' || o.key`.as('s'))
                .where('o.org_id', '=', orgId)
                .where('l.property_id', 'in', pids),
            ),
            eb(
              'a.subject',
              'in',
              eb
                .selectFrom('proofs_of_service as p')
                .innerJoin('leases as l', (j) =>
                  j.onRef('l.org_id', '=', 'p.org_id').onRef('l.id', '=', 'p.lease_id'),
                )
                .select(sql<string>`'proof:' || p.id`.as('s'))
                .where('p.org_id', '=', orgId)
                .where('l.property_id', 'in', pids),
            ),
          ]),
        );
      }
      const rows = await q.orderBy('a.seq', query.order).limit(query.limit).execute();
      return rows.map((row) => toEntry(row, parseData(row.data) ?? null));
    },

    verify(orgId) {
      return db.snapshot(async (trx): Promise<ChainVerification> => {
        const org = await trx
          .selectFrom('organisations')
          .select(['id', 'audit_seq', 'audit_hash'])
          .where('id', '=', orgId)
          .executeTakeFirst();
        const verifier = new ChainVerifier();
        let after = 0;
        for (;;) {
          const rows = await trx
            .selectFrom('audit')
            .selectAll()
            .where('org_id', '=', orgId)
            .where('seq', '>', after)
            .orderBy('seq')
            .limit(PAGE)
            .execute();
          let broken = false;
          for (const row of rows) {
            // Unparsable data is checked by its bytes, which then cannot match dataHash.
            if (verifier.add(toEntry(row, parseData(row.data) ?? null), row.data)) {
              broken = true;
              break;
            }
            after = Number(row.seq);
          }
          if (broken || rows.length < PAGE) break;
        }
        const result = verifier.finish(
          org ? { seq: Number(org.audit_seq), hash: org.audit_hash } : undefined,
        );
        return result.ok
          ? { orgId, ok: true, entries: result.count }
          : {
              orgId,
              ok: false,
              entries: result.verified,
              seq: result.seq,
              reason: result.reason,
              message: result.message,
            };
      });
    },
  };
}
