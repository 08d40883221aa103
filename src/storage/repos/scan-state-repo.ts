/** lease_state (the next-due index of incremental scans), cases and scans rows. */
import type { LeaseStateRow, ScanStateStore } from '../../app/ports/scan.js';
import type { Db } from '../database.js';
import { appendAudit } from './audit-repo.js';
import { lockOrganisation } from './organisations-repo.js';

const CHUNK = 400;

export function scanStateStore(db: Db): ScanStateStore {
  return {
    async markChanged(orgId, leaseIds, at) {
      for (let i = 0; i < leaseIds.length; i += CHUNK)
        await db.kysely
          .updateTable('lease_state')
          .set({ changed_at: at })
          .where('org_id', '=', orgId)
          .where('lease_id', 'in', leaseIds.slice(i, i + CHUNK))
          .execute();
    },

    async leasesToEvaluate(orgId, now, policyHash, all) {
      let q = db.kysely
        .selectFrom('leases')
        .leftJoin('lease_state', (j) =>
          j
            .onRef('lease_state.org_id', '=', 'leases.org_id')
            .onRef('lease_state.lease_id', '=', 'leases.id'),
        )
        .select(['leases.id as leaseId', 'lease_state.tracking_from as trackingFrom'])
        .where('leases.org_id', '=', orgId);
      if (!all)
        q = q.where((eb) =>
          eb.or([
            eb('lease_state.lease_id', 'is', null),
            eb('lease_state.input_hash', '!=', policyHash),
            eb('lease_state.next_due_at', '<=', now),
            eb('lease_state.changed_at', '>=', eb.ref('lease_state.evaluated_at')),
          ]),
        );
      const rows = await q.orderBy('leases.id').execute();
      return rows.map((r) => ({ leaseId: r.leaseId, trackingFrom: r.trackingFrom ?? null }));
    },

    async saveLeaseStates(orgId, rows, evaluatedAt) {
      if (rows.length === 0) return;
      await db.transaction(async (trx) => {
        for (let i = 0; i < rows.length; i += CHUNK) {
          const values = rows.slice(i, i + CHUNK).map((r: LeaseStateRow) => ({
            org_id: orgId,
            lease_id: r.leaseId,
            input_hash: r.inputHash,
            next_due_at: r.nextDueAt,
            readiness: r.readiness,
            readiness_reason: r.readinessReason,
            evaluated_at: evaluatedAt,
            tracking_from: r.trackingFrom,
          }));
          await trx
            .insertInto('lease_state')
            .values(values)
            .onConflict((oc) =>
              oc.columns(['org_id', 'lease_id']).doUpdateSet((eb) => ({
                input_hash: eb.ref('excluded.input_hash'),
                next_due_at: eb.ref('excluded.next_due_at'),
                readiness: eb.ref('excluded.readiness'),
                readiness_reason: eb.ref('excluded.readiness_reason'),
                evaluated_at: eb.ref('excluded.evaluated_at'),
                // Once set, the date Arrears started managing a lease never moves.
                tracking_from: eb.fn.coalesce(
                  'lease_state.tracking_from',
                  eb.ref('excluded.tracking_from'),
                ),
              })),
            )
            .execute();
        }
      });
    },

    async saveEpisodes(orgId, episodes, at) {
      if (episodes.length === 0) return;
      await db.transaction(async (trx) => {
        await lockOrganisation(trx, orgId);
        for (const e of episodes) {
          // Insert first: concurrent scans may find the same new episode.
          const inserted = await trx
            .insertInto('cases')
            .values({
              org_id: orgId,
              lease_id: e.leaseId,
              episode: e.episode,
              opened: e.opened,
              anchor: e.anchor,
              closed: e.closed,
              outcome: e.outcome,
              policy_id: e.policyId ?? null,
              policy_version: e.policyVersion ?? null,
              updated_at: at,
            })
            .onConflict((oc) => oc.columns(['org_id', 'lease_id', 'episode']).doNothing())
            .returning('episode')
            .execute();
          if (inserted.length > 0) {
            await appendAudit(trx, orgId, {
              at,
              actor: 'system:scan',
              type: 'case.opened',
              subject: `lease:${e.leaseId}`,
              data: {
                episode: e.episode,
                opened: e.opened,
                anchor: e.anchor,
                policy: e.policyId ?? null,
                policyVersion: e.policyVersion ?? null,
              },
            });
            continue;
          }
          const existing = await trx
            .selectFrom('cases')
            .select(['anchor', 'closed', 'outcome'])
            .where('org_id', '=', orgId)
            .where('lease_id', '=', e.leaseId)
            .where('episode', '=', e.episode)
            .executeTakeFirstOrThrow();
          if (
            existing.anchor !== e.anchor ||
            existing.closed !== e.closed ||
            existing.outcome !== e.outcome
          ) {
            await trx
              .updateTable('cases')
              .set({
                anchor: e.anchor,
                closed: e.closed,
                outcome: e.outcome,
                policy_id: e.policyId ?? null,
                policy_version: e.policyVersion ?? null,
                updated_at: at,
              })
              .where('org_id', '=', orgId)
              .where('lease_id', '=', e.leaseId)
              .where('episode', '=', e.episode)
              .execute();
            if (existing.closed === null && e.closed !== null)
              await appendAudit(trx, orgId, {
                at,
                actor: 'system:scan',
                type: 'case.closed',
                subject: `lease:${e.leaseId}`,
                data: { episode: e.episode, closed: e.closed, outcome: e.outcome },
              });
          }
        }
      });
    },

    async trackingFrom(orgId, leaseId) {
      const row = await db.kysely
        .selectFrom('lease_state')
        .select('tracking_from')
        .where('org_id', '=', orgId)
        .where('lease_id', '=', leaseId)
        .executeTakeFirst();
      return row?.tracking_from ?? null;
    },

    async openCases(orgId) {
      const rows = await db.kysely
        .selectFrom('cases')
        .leftJoin('lease_state', (j) =>
          j
            .onRef('lease_state.org_id', '=', 'cases.org_id')
            .onRef('lease_state.lease_id', '=', 'cases.lease_id'),
        )
        .select(['cases.lease_id', 'cases.episode', 'lease_state.tracking_from'])
        .where('cases.org_id', '=', orgId)
        .where('cases.closed', 'is', null)
        .orderBy('cases.lease_id')
        .execute();
      return rows.map((r) => ({
        leaseId: r.lease_id,
        episode: r.episode,
        trackingFrom: r.tracking_from ?? null,
      }));
    },

    async startScan(orgId, id, startedAt, asOf) {
      await db.kysely
        .insertInto('scans')
        .values({
          org_id: orgId,
          id,
          started_at: startedAt,
          finished_at: null,
          as_of: asOf,
          counts: null,
        })
        .execute();
    },

    async finishScan(orgId, id, finishedAt, counts) {
      await db.transaction(async (trx) => {
        await trx
          .updateTable('scans')
          .set({ finished_at: finishedAt, counts: JSON.stringify(counts) })
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .execute();
        await appendAudit(trx, orgId, {
          at: finishedAt,
          actor: 'system:scan',
          type: 'scan.completed',
          subject: `scan:${id}`,
          data: { ...counts },
        });
      });
    },
  };
}
