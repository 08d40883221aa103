/**
 * What a scan writes to the outbox: new items under their R7 key (a repeated or concurrent
 * scan inserts nothing: ON CONFLICT DO NOTHING on the (org_id, key) primary key), and
 * cancellations of items not yet dispatched. Every row written gets its first transition
 * and an audit entry in the same transaction. Items the plan skipped are recorded too
 * (status `skipped` with the reason): nothing is silently dropped (SPEC principle 6).
 */
import type { OpenItem, PlannedItem, PlannedItemsWriter } from '../../app/ports/scan.js';
import { assertTransition, whoOf } from '../../domain/outbox/states.js';
import { commitWithoutFlushWait, type Db, type DbTransaction } from '../database.js';
import type { AuditInput } from '../../domain/audit/chain.js';
import { appendAudit, appendAuditMany } from './audit-repo.js';
import { lockAuditHead, lockOrganisation } from './organisations-repo.js';
import { insertBulk, oneOf, PG_BATCH_ROWS, pgInsert } from './bulk-rows.js';
import { CompiledQuery } from 'kysely';

/** Items per transaction: each holds the organisation's audit lock while it writes. */
const CHUNK = 1000;
/** Leases per open-items read (one bound parameter each). */
const OPEN_ITEMS_CHUNK = 2000;

export function plannedItemsWriter(db: Db): PlannedItemsWriter {
  return {
    async insertPlanned(orgId, items, actor, at) {
      const inserted: string[] = [];
      for (let i = 0; i < items.length; i += CHUNK) {
        const part = items.slice(i, i + CHUNK);
        await db.transaction(async (trx) => {
          await commitWithoutFlushWait(trx);
          const head = await lockAuditHead(trx, orgId);
          const rows = part.map((it) => toRow(orgId, it, at));
          let fresh: Set<string>;
          if (trx.dialect === 'postgres' && rows.length <= PG_BATCH_ROWS) {
            // The rows and, from what was inserted, their first transitions: one statement.
            const { text, params } = pgInsert('outbox', rows, 3);
            const { rows: keys } = await trx.executeQuery<{ key: string }>(
              CompiledQuery.raw(
                `with created as (
                   ${text}
                   on conflict ("org_id", "key") do nothing
                   returning "org_id", "key", "status", "reason"),
                 first as (
                   insert into "outbox_transitions"
                     ("org_id", "key", "seq", "from_status", "to_status", "at", "actor", "reason")
                   select "org_id", "key", 1, null, "status", $1, $2, "reason" from created)
                 select "key" from created`,
                [at, actor, ...params],
              ),
            );
            fresh = new Set(keys.map((r) => r.key));
          } else {
            const keys = await insertBulk<{ key: string }>(
              trx,
              'outbox',
              rows,
              'on conflict ("org_id", "key") do nothing returning "key"',
            );
            fresh = new Set(keys.map((r) => r.key));
            // New keys have no transitions yet: each starts at seq 1.
            await insertBulk(
              trx,
              'outbox_transitions',
              part
                .filter((it) => fresh.has(it.key))
                .map((it) => ({
                  org_id: orgId,
                  key: it.key,
                  seq: 1,
                  from_status: null,
                  to_status: it.status,
                  at,
                  actor,
                  reason: it.reason,
                })),
            );
          }
          const created = part.filter((it) => fresh.has(it.key));
          inserted.push(...created.map((it) => it.key));
          await appendAuditMany(
            trx,
            orgId,
            created.map((it) => creationAudit(it, actor, at)),
            { head },
          );
        });
      }
      return inserted;
    },

    async openItems(orgId, leaseIds): Promise<OpenItem[]> {
      const out: OpenItem[] = [];
      for (let i = 0; i < leaseIds.length; i += OPEN_ITEMS_CHUNK) {
        // Every item of the batch's leases through the lease index, open ones kept here: a
        // status condition in the query lets a planner without fresh statistics (SQLite has
        // none; PostgreSQL's lag after a large scan) walk every open item of the
        // organisation through the queue index instead, for each batch.
        const rows = await db.kysely
          .selectFrom('outbox')
          .select(['key', 'lease_id', 'episode', 'status'])
          .where('org_id', '=', orgId)
          .where(oneOf(db.dialect, 'lease_id', leaseIds.slice(i, i + OPEN_ITEMS_CHUNK)))
          .execute();
        for (const r of rows)
          if (r.status === 'draft' || r.status === 'approved')
            out.push({ key: r.key, leaseId: r.lease_id, episode: r.episode, status: r.status });
      }
      return out;
    },

    cancel: (orgId, key, reason, actor, at) =>
      db.transaction(async (trx) => {
        await lockOrganisation(trx, orgId);
        const row = await trx
          .selectFrom('outbox')
          .select(['status'])
          .where('org_id', '=', orgId)
          .where('key', '=', key)
          .executeTakeFirst();
        if (!row || (row.status !== 'draft' && row.status !== 'approved')) return false;
        assertTransition(row.status, 'cancelled', whoOf(actor), key);
        const done = await trx
          .updateTable('outbox')
          .set({ status: 'cancelled', reason, updated_at: at })
          .where('org_id', '=', orgId)
          .where('key', '=', key)
          .where('status', '=', row.status)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) === 0) return false;
        await addTransition(trx, orgId, key, row.status, 'cancelled', actor, at, reason);
        await appendAudit(trx, orgId, {
          at,
          actor,
          type: 'outbox.cancelled',
          subject: `outbox:${key}`,
          data: { key, from: row.status, reason },
        });
        return true;
      }),
  };
}

function toRow(orgId: string, it: PlannedItem, at: string) {
  return {
    org_id: orgId,
    key: it.key,
    lease_id: it.leaseId,
    episode: it.episode,
    stage: it.stage,
    action: it.action,
    type: it.type,
    channel: it.channel,
    method: it.method,
    contact_id: it.contactId,
    status: it.status,
    reason: it.reason,
    payload: JSON.stringify(it.payload),
    policy_id: it.policyId,
    policy_version: it.policyVersion,
    amount_cents: it.amountCents,
    approvals_required: it.approvalsRequired,
    due_at: new Date(it.dueAt).toISOString(),
    claimed_by: null,
    claim_expires_at: null,
    provider: null,
    provider_id: null,
    created_at: at,
    updated_at: at,
  };
}

function creationAudit(it: PlannedItem, actor: string, at: string): AuditInput {
  return {
    at,
    actor,
    type: it.status === 'skipped' ? 'outbox.skipped' : 'outbox.planned',
    subject: `outbox:${it.key}`,
    // Keys in sorted order: canonical as written (a scan writes these by the hundred thousand).
    data: {
      action: it.action,
      amountCents: it.amountCents,
      approvalsRequired: it.approvalsRequired,
      channel: it.channel,
      dueAt: it.dueAt,
      episode: it.episode,
      key: it.key,
      leaseId: it.leaseId,
      method: it.method,
      policy: it.policyId,
      policyVersion: it.policyVersion,
      reason: it.reason,
      stage: it.stage,
      status: it.status,
      type: it.type,
    },
  };
}

async function addTransition(
  trx: DbTransaction,
  orgId: string,
  key: string,
  from: string | null,
  to: string,
  actor: string,
  at: string,
  reason: string | null,
): Promise<void> {
  const last = await trx
    .selectFrom('outbox_transitions')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .executeTakeFirst();
  await trx
    .insertInto('outbox_transitions')
    .values({
      org_id: orgId,
      key,
      seq: Number(last?.seq ?? 0) + 1,
      from_status: from,
      to_status: to,
      at,
      actor,
      reason,
    })
    .execute();
}
