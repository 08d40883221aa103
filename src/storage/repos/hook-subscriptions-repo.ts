/**
 * Zapier REST hook subscriptions (`hook_subscriptions`, migration 0011): the
 * `HookSubscriptionStore` of app/publish-events.ts, on both engines.
 *
 * The delivery lease is one conditional UPDATE — `SET claim_token = :t, claim_until = :until
 * WHERE … AND (claim_until IS NULL OR claim_until <= :now)` — so of two workers exactly one
 * sees a row updated (instants are ISO-8601 UTC text of one fixed width: text order is time
 * order), and every cursor move names the token, so a worker whose lease ran out cannot
 * move a cursor another worker now owns. Subscribing and deleting are audited in the same
 * transaction, with the target URL's host only: the URL itself is Zapier's credential.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type {
  AuditFeedEntry,
  HookEvent,
  HookSubscription,
  HookSubscriptionStore,
} from '../../app/publish-events.js';
import { AppError } from '../../domain/errors.js';
import { storedInstant, type Db, type DbTransaction } from '../database.js';
import type { HookSubscriptionsTable, Schema } from '../schema.js';
import { appendAudit } from './audit-repo.js';

type HookSchema = Schema;
const hooksOf = (k: Kysely<Schema>): Kysely<HookSchema> => k;

function toSubscription(r: Selectable<HookSubscriptionsTable>): HookSubscription {
  return {
    orgId: r.org_id,
    id: r.id,
    event: r.event as HookEvent,
    targetUrl: r.target_url,
    createdBy: r.created_by,
    createdAt: r.created_at,
    deletedAt: r.deleted_at,
    lastSeq: Number(r.last_seq),
  };
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

async function auditHead(trx: DbTransaction | Kysely<Schema>, orgId: string): Promise<number> {
  const org = await trx
    .selectFrom('organisations')
    .select('audit_seq')
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (!org) throw new AppError('not_found', `organisation ${orgId} does not exist`);
  return Number(org.audit_seq);
}

export function hookSubscriptionsRepo(db: Db): HookSubscriptionStore {
  const k = hooksOf(db.kysely);
  return {
    add: (s) =>
      db.transaction(async (trx) => {
        const row = {
          org_id: s.orgId,
          id: `hook_${randomBytes(8).toString('hex')}`,
          event: s.event,
          target_url: s.targetUrl,
          created_by: s.createdBy,
          created_at: storedInstant(s.createdAt),
          deleted_at: null,
          last_seq: await auditHead(trx, s.orgId),
          claim_token: null,
          claim_until: null,
        };
        await hooksOf(trx).insertInto('hook_subscriptions').values(row).execute();
        await appendAudit(trx, s.orgId, {
          at: row.created_at,
          actor: s.createdBy,
          type: 'hook.subscribed',
          subject: `hook:${row.id}`,
          data: { hookId: row.id, event: s.event, targetHost: hostOf(s.targetUrl) },
        });
        return toSubscription(row);
      }),

    remove: (orgId, id, by) =>
      db.transaction(async (trx) => {
        const t = hooksOf(trx);
        const row = await t
          .selectFrom('hook_subscriptions')
          .select(['event', 'deleted_at'])
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) return 'unknown';
        if (row.deleted_at !== null) return 'already';
        const at = storedInstant(by.at);
        await t
          .updateTable('hook_subscriptions')
          .set({ deleted_at: at, claim_token: null })
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .execute();
        await appendAudit(trx, orgId, {
          at,
          actor: by.actor,
          type: 'hook.unsubscribed',
          subject: `hook:${id}`,
          data: { hookId: id, event: row.event, reason: by.reason },
        });
        return 'removed';
      }),

    async list(orgId, event) {
      let q = k
        .selectFrom('hook_subscriptions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('deleted_at', 'is', null);
      if (event !== undefined) q = q.where('event', '=', event);
      return (await q.orderBy('created_at').orderBy('id').execute()).map(toSubscription);
    },

    async claim(orgId, id, token, now, until) {
      const row = await k
        .updateTable('hook_subscriptions')
        .set({ claim_token: token, claim_until: storedInstant(until) })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .where((eb) =>
          eb.or([eb('claim_until', 'is', null), eb('claim_until', '<=', storedInstant(now))]),
        )
        .returning('last_seq')
        .executeTakeFirst();
      return row ? Number(row.last_seq) : null;
    },

    async advance(orgId, id, token, seq, until) {
      const result = await k
        .updateTable('hook_subscriptions')
        .set({ last_seq: seq, claim_until: storedInstant(until) })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('claim_token', '=', token)
        .where('last_seq', '<=', seq)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async release(orgId, id, token, notBefore) {
      await k
        .updateTable('hook_subscriptions')
        .set({
          claim_token: null,
          claim_until: notBefore === null ? null : storedInstant(notBefore),
        })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('claim_token', '=', token)
        .execute();
    },

    readAudit: (orgId, afterSeq, types, limit) =>
      db.snapshot(async (trx) => {
        // The head first: whatever is appended after it is after it, so never stepped over.
        const head = await auditHead(trx, orgId);
        if (types.length === 0 || limit <= 0 || head <= afterSeq)
          return { entries: [], complete: Math.max(afterSeq, head) };
        const rows = await trx
          .selectFrom('audit')
          .select(['seq', 'at', 'actor', 'type', 'subject', 'data'])
          .where('org_id', '=', orgId)
          .where('seq', '>', afterSeq)
          .where('seq', '<=', head)
          .where('type', 'in', [...types])
          .orderBy('seq')
          .limit(limit)
          .execute();
        const entries: AuditFeedEntry[] = rows.map((r) => ({
          seq: Number(r.seq),
          at: r.at,
          actor: r.actor,
          type: r.type,
          subject: r.subject,
          data: parseJson(r.data),
        }));
        return {
          entries,
          complete: entries.length === limit ? entries[entries.length - 1]!.seq : head,
        };
      }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
