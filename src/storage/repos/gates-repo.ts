/**
 * Gate attestations (`gate_attestations`, migration 0009): the `GateStore` of
 * app/pre-action-gate.ts, on both engines. One row per outbox key and item; a later
 * attestation replaces the row, and its audit entry (`gate.attested`, written last in the
 * same transaction) names the attestation it replaces, so the chain keeps both.
 */
import type { GateStore, StoredAttestation } from '../../app/pre-action-gate.js';
import type { AttestableItem } from '../../domain/gates/gate.js';
import { storedInstant, type Db } from '../database.js';
import { appendAudit } from './audit-repo.js';

export function createGatesRepo(db: Db): GateStore {
  return {
    async attestations(orgId, outboxKey) {
      const rows = await db.kysely
        .selectFrom('gate_attestations')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('outbox_key', '=', outboxKey)
        .orderBy('item')
        .execute();
      return rows.map((r): StoredAttestation => ({
        outboxKey: r.outbox_key,
        item: r.item as AttestableItem,
        userId: r.user_id,
        at: r.at,
        evidence: r.evidence,
      }));
    },

    attest: (orgId, a, actor) =>
      db.transaction(async (trx) => {
        let q = trx
          .selectFrom('gate_attestations')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('outbox_key', '=', a.outboxKey)
          .where('item', '=', a.item);
        if (trx.dialect === 'postgres') q = q.forUpdate();
        const before = await q.executeTakeFirst();
        const at = storedInstant(a.at);
        await trx
          .insertInto('gate_attestations')
          .values({
            org_id: orgId,
            outbox_key: a.outboxKey,
            item: a.item,
            user_id: a.userId,
            at,
            evidence: a.evidence,
          })
          .onConflict((oc) =>
            oc
              .columns(['org_id', 'outbox_key', 'item'])
              .doUpdateSet({ user_id: a.userId, at, evidence: a.evidence }),
          )
          .execute();
        const replaced: StoredAttestation | null = before
          ? {
              outboxKey: before.outbox_key,
              item: before.item as AttestableItem,
              userId: before.user_id,
              at: before.at,
              evidence: before.evidence,
            }
          : null;
        await appendAudit(trx, orgId, {
          at,
          actor: `user:${a.userId}`,
          type: 'gate.attested',
          subject: `outbox:${a.outboxKey}`,
          data: {
            item: a.item,
            evidence: a.evidence,
            role: actor.role,
            ...(replaced
              ? {
                  replaces: {
                    userId: replaced.userId,
                    at: replaced.at,
                    evidence: replaced.evidence,
                  },
                }
              : {}),
          },
        });
        return { replaced };
      }),
  };
}
