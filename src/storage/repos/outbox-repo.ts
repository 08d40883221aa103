/**
 * The outbox in the `outbox`, `outbox_versions`, `approvals`, `outbox_transitions` and
 * `tasks` tables: `OutboxStore` (app/ports/outbox.ts) with Kysely, on both engines.
 *
 * - Inserting is `ON CONFLICT (org_id, key) DO NOTHING`: a key already queued is left alone,
 *   so repeated and concurrent scans are harmless. Rows go in sorted by key and in one
 *   statement per chunk, before any audit append, so concurrent inserters take their locks
 *   in the same order (no deadlock on PostgreSQL).
 * - Every status change checks domain/outbox/states.ts, is guarded by `WHERE status = from`
 *   (two concurrent transitions cannot both succeed), appends an `outbox_transitions` row
 *   (seq per key) and an audit entry, all in the caller's transaction. The audit entry is
 *   written last (it locks the organisation's chain head).
 * - Claiming: PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` in a transaction (concurrent
 *   workers get disjoint rows); SQLite runs the same statements in one write transaction
 *   (one writer at a time). A `dispatching` row whose claim expired belonged to a crashed
 *   worker: it goes back to dispatch when its send never started (no provider recorded) or
 *   its provider is idempotent, and becomes `unknown` otherwise — never re-sent blindly.
 */
import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { Clock } from '../../app/ports/clock.js';
import { systemClock } from '../../app/ports/clock.js';
import type {
  ApprovalRecord,
  ClaimOptions,
  ClaimResult,
  JsonObject,
  LockedTransitionResult,
  NewOutboxItem,
  NewTask,
  NewVersion,
  OutboxItem,
  OutboxPage,
  OutboxStore,
  QueueEntry,
  TransitionOptions,
} from '../../app/ports/outbox.js';
import { canonicalJson } from '../../domain/audit/canonical-json.js';
import type { AuditInput } from '../../domain/audit/chain.js';
import { approvalsNeededFor } from '../../domain/outbox/approval.js';
import { assertPayload, contentHash } from '../../domain/outbox/draft.js';
import {
  assertTransition,
  initialStatus,
  isOutboxStatus,
  OutboxConflictError,
  whoOf,
  type OutboxStatus,
} from '../../domain/outbox/states.js';
import { AppError } from '../../domain/errors.js';
import { queryable, storedInstant, type Db, type DbTransaction } from '../database.js';
import type { OutboxTable, Schema } from '../schema.js';
import { appendAudit, appendAuditMany } from './audit-repo.js';

type Row = Selectable<OutboxTable>;

const INSERT_CHUNK = 200;
const IN_CHUNK = 500;
const MAX_PAGE = 1000;

/** One status change of a batch (`transitionMany`). */
export interface TransitionChange {
  orgId: string;
  key: string;
  to: OutboxStatus;
  options: TransitionOptions;
  /**
   * The caller's view of the item, if it has one: the change applies only if the stored
   * item is still in its status (and claim), without reading it first.
   */
  expected?: OutboxItem;
}

/**
 * The outbox store, and the batch operations a dispatcher may use to record many items at
 * once (each with the same checks and history as one `transition` / `beginSend`).
 */
/**
 * `claimDue` options a batch dispatcher may add: `beginSend` names the provider of items it
 * will send to a provider that deduplicates on the key; the claim records it as `beginSend`
 * would (the claim commits before anything is sent), sparing a write per item. An item
 * begun this way and then not sent is harmless: after a crash it is sent again, deduplicated.
 */
export interface BatchClaimOptions extends ClaimOptions {
  beginSend?: (item: OutboxItem) => string | undefined;
}

export interface OutboxRepo extends OutboxStore<DbTransaction> {
  claimDue(
    orgId: string | null,
    workerId: string,
    now: string,
    limit: number,
    leaseMs: number,
    options?: BatchClaimOptions,
  ): Promise<ClaimResult>;
  /**
   * Applies each change in `trx` like `transition`, with one guarded update per kind of
   * change, one history insert and one audit append for all. A change whose item moved on
   * (another status, another worker's claim, gone) is not applied: its slot holds the
   * OutboxConflictError `transition` would have thrown.
   */
  transitionMany(
    trx: DbTransaction,
    changes: readonly TransitionChange[],
  ): Promise<(OutboxItem | OutboxConflictError)[]>;
  /**
   * Releases claims of `workerId` the caller knows never reached a provider, even if a send
   * was begun (`beginSend` at claim time): back to `approved`, the attempt uncounted. Returns
   * their keys.
   */
  releaseUnsent(
    workerId: string,
    keys: readonly { orgId: string; key: string }[],
  ): Promise<string[]>;
}

/** An item's identity across organisations. */
export function rowId(orgId: string, key: string): string {
  return `${orgId}\u0000${key}`;
}

export function createOutboxRepo(db: Db, clock: Clock = systemClock): OutboxRepo {
  const nowIso = () => new Date(clock.now()).toISOString();

  const repo: OutboxRepo = {
    transaction: (fn) => db.transaction(fn),

    async insertItems(trx, orgId, items, actor) {
      const at = nowIso();
      const rows = new Map<string, Row>();
      items.forEach((item, i) => {
        if (!rows.has(item.key)) rows.set(item.key, newRow(orgId, item, at, `items[${i}]`));
      });
      const sorted = [...rows.values()].sort((a, b) =>
        a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
      );
      const inserted: string[] = [];
      for (let i = 0; i < sorted.length; i += INSERT_CHUNK) {
        const result = await trx
          .insertInto('outbox')
          .values(sorted.slice(i, i + INSERT_CHUNK))
          .onConflict((oc) => oc.columns(['org_id', 'key']).doNothing())
          .returning('key')
          .execute();
        inserted.push(...result.map((r) => r.key));
      }
      if (inserted.length === 0) return [];
      const done = new Set(inserted);
      const fresh = sorted.filter((r) => done.has(r.key));
      for (let i = 0; i < fresh.length; i += INSERT_CHUNK) {
        const chunk = fresh.slice(i, i + INSERT_CHUNK);
        await trx
          .insertInto('outbox_versions')
          .values(
            chunk.map((r) => ({
              org_id: orgId,
              key: r.key,
              version: 1,
              content: r.payload,
              diff: null,
              by: actor,
              at,
            })),
          )
          .execute();
        await trx
          .insertInto('outbox_transitions')
          .values(
            chunk.map((r) => ({
              org_id: orgId,
              key: r.key,
              seq: 1,
              from_status: null,
              to_status: r.status,
              at,
              actor,
              reason: null,
            })),
          )
          .execute();
      }
      for (const r of fresh) {
        const payload = JSON.parse(r.payload) as JsonObject;
        await appendAudit(trx, orgId, {
          at,
          actor,
          type: 'outbox.planned',
          subject: subjectOf(r.key),
          data: {
            key: r.key,
            leaseId: r.lease_id,
            episode: r.episode,
            stage: r.stage,
            action: r.action,
            type: r.type,
            channel: r.channel,
            method: r.method,
            contactId: r.contact_id,
            status: r.status,
            dueAt: r.due_at,
            approvalsRequired: r.approvals_required,
            policyId: r.policy_id,
            policyVersion: r.policy_version,
            amountCents: r.amount_cents,
            pastDueCents: typeof payload.pastDueCents === 'number' ? payload.pastDueCents : null,
            contentSha256: contentHash(payload),
          },
        });
      }
      return fresh.map((r) => r.key);
    },

    async transition(trx, orgId, key, to, options) {
      const row = await readRow(trx, orgId, key);
      if (!row) throw new AppError('not_found', `no outbox item ${key}`);
      return applyTransition(trx, orgId, row, to, options, options.at ?? nowIso());
    },

    async transitionMany(trx, changes) {
      // The caller's view where it has one (the update is guarded by it), else the stored row.
      const rows = await readRows(
        trx,
        changes.filter((c) => c.expected === undefined),
      );
      for (const c of changes)
        if (c.expected !== undefined) rows.set(rowId(c.orgId, c.key), rowOf(c.expected));
      const at = nowIso();
      const out: (OutboxItem | OutboxConflictError)[] = new Array<OutboxItem | OutboxConflictError>(
        changes.length,
      );
      const valid: Change[] = [];
      const where: number[] = [];
      changes.forEach((c, i) => {
        const row = rows.get(rowId(c.orgId, c.key));
        if (!row) out[i] = new OutboxConflictError(c.key, `${c.to} from a stored item`, undefined);
        else {
          valid.push({ orgId: c.orgId, row, to: c.to, options: c.options });
          where.push(i);
        }
      });
      const done = await applyTransitions(trx, valid, at);
      done.forEach((d, j) => (out[where[j]!] = d));
      return out;
    },

    async transitionLocked(trx, orgId, changes) {
      const { out, audits } = await writeTransitions(
        trx,
        changes.map((c) => ({
          orgId,
          row: rowOf(c.item),
          to: c.to,
          options: c.options,
          at: c.options.at,
        })),
        nowIso(),
      );
      return out.map((moved, i): LockedTransitionResult => {
        // The rows are locked by the caller: another writer cannot have moved them.
        if (moved instanceof OutboxConflictError) throw moved;
        return { item: moved, audit: audits[i]! };
      });
    },

    releaseUnsent(workerId, keys) {
      if (keys.length === 0) return Promise.resolve([]);
      return db.transaction(async (trx) => {
        const rows = [...(await readRows(trx, keys)).values()]
          .filter((r) => r.status === 'dispatching' && r.claimed_by === workerId)
          .sort((a, b) => (a.org_id + a.key < b.org_id + b.key ? -1 : 1));
        const done = await applyTransitions(
          trx,
          rows.map((row) => ({
            orgId: row.org_id,
            row,
            to: 'approved' as const,
            options: {
              actor: `worker:${workerId}`,
              reason: 'released',
              uncountAttempt: true,
              claimedBy: workerId,
            },
            extra: { provider: null },
          })),
          nowIso(),
        );
        return done.flatMap((d) => (d instanceof OutboxConflictError ? [] : [d.key]));
      });
    },

    async get(orgId, key, tx) {
      const row = await readRow(tx ?? db.kysely, orgId, key);
      return row && toItem(row);
    },

    async lock(tx, orgId, key) {
      let q = tx
        .selectFrom('outbox')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('key', '=', key);
      if (tx.dialect === 'postgres') q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row && toItem(row);
    },

    async lockMany(tx, orgId, keys) {
      const out = new Map<string, OutboxItem>();
      const unique = [...new Set(keys)];
      for (let i = 0; i < unique.length; i += IN_CHUNK) {
        let q = tx
          .selectFrom('outbox')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('key', 'in', unique.slice(i, i + IN_CHUNK))
          .orderBy('key');
        if (tx.dialect === 'postgres') q = q.forUpdate();
        for (const row of await q.execute()) out.set(row.key, toItem(row));
      }
      return out;
    },

    async list(orgId, query = {}) {
      const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(query.limit ?? 100)));
      let q = db.kysely.selectFrom('outbox').selectAll().where('org_id', '=', orgId);
      if (query.status !== undefined) {
        const statuses = Array.isArray(query.status) ? query.status : [query.status];
        if (statuses.length === 0) return { items: [] };
        q = q.where('status', 'in', statuses);
      }
      if (query.leaseId !== undefined) q = q.where('lease_id', '=', query.leaseId);
      if (query.cursor !== undefined) {
        const [createdAt, key] = decodeCursor(query.cursor);
        q = q.where((eb) =>
          eb.or([
            eb('created_at', '>', createdAt),
            eb.and([eb('created_at', '=', createdAt), eb('key', '>', key)]),
          ]),
        );
      }
      const rows = await q
        .orderBy('created_at')
        .orderBy('key')
        .limit(limit + 1)
        .execute();
      const page: OutboxPage = { items: rows.slice(0, limit).map(toItem) };
      const last = rows.length > limit ? rows[limit - 1] : undefined;
      if (last) page.nextCursor = encodeCursor(last.created_at, last.key);
      return page;
    },

    async queue(orgId, filter = {}) {
      let q = db.kysely
        .selectFrom('outbox')
        .leftJoin('leases', (j) =>
          j.onRef('leases.org_id', '=', 'outbox.org_id').onRef('leases.id', '=', 'outbox.lease_id'),
        )
        .selectAll('outbox')
        .select('leases.property_id')
        .where('outbox.org_id', '=', orgId)
        .where('outbox.status', '=', 'draft');
      if (filter.stage !== undefined) q = q.where('outbox.stage', '=', filter.stage);
      if (filter.propertyId !== undefined)
        q = q.where('leases.property_id', '=', filter.propertyId);
      if (filter.keys !== undefined) {
        if (filter.keys.length === 0) return [];
        q = q.where('outbox.key', 'in', filter.keys);
      }
      if (filter.propertyIds !== undefined) {
        if (filter.propertyIds.length === 0) return [];
        q = q.where('leases.property_id', 'in', [...filter.propertyIds]);
      }
      if (filter.after !== undefined) {
        const { dueAt, key } = filter.after;
        q = q.where((eb) =>
          eb.or([
            eb('outbox.due_at', '>', dueAt),
            eb.and([eb('outbox.due_at', '=', dueAt), eb('outbox.key', '>', key)]),
          ]),
        );
      }
      let ordered = q.orderBy('outbox.due_at').orderBy('outbox.key');
      if (filter.limit !== undefined) ordered = ordered.limit(filter.limit);
      const rows = await ordered.execute();
      const approvals = new Map<string, QueueEntry['approvals']>();
      const keys = rows.map((r) => r.key);
      for (let i = 0; i < keys.length; i += IN_CHUNK) {
        const found = await db.kysely
          .selectFrom('approvals')
          .leftJoin('users', 'users.id', 'approvals.user_id')
          .select([
            'approvals.key',
            'approvals.version',
            'approvals.user_id',
            'approvals.at',
            'users.email',
          ])
          .where('approvals.org_id', '=', orgId)
          .where('approvals.decision', '=', 'approved')
          .where('approvals.key', 'in', keys.slice(i, i + IN_CHUNK))
          .orderBy('approvals.at')
          .execute();
        for (const a of found) {
          const list = approvals.get(`${a.key}#${a.version}`) ?? [];
          list.push({ userId: a.user_id, email: a.email, at: a.at });
          approvals.set(`${a.key}#${a.version}`, list);
        }
      }
      return rows.map((r) => {
        const item = toItem(r);
        const got = approvals.get(`${r.key}#${r.version}`) ?? [];
        const required = approvalsNeededFor(item.approvalsRequired);
        return {
          item,
          propertyId: r.property_id,
          approvals: got,
          required,
          needs: Math.max(0, required - got.length),
        };
      });
    },

    async decisions(tx, orgId, key, version) {
      const rows = await tx
        .selectFrom('approvals')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('key', '=', key)
        .where('version', '=', version)
        .orderBy('at')
        .execute();
      return rows.map((r): ApprovalRecord => ({
        key: r.key,
        version: r.version,
        userId: r.user_id,
        decision: r.decision === 'rejected' ? 'rejected' : 'approved',
        reason: r.reason,
        at: r.at,
      }));
    },

    async recordDecision(tx, orgId, decision, audit) {
      await tx
        .insertInto('approvals')
        .values({
          org_id: orgId,
          key: decision.key,
          version: decision.version,
          user_id: decision.userId,
          decision: decision.decision,
          reason: decision.reason,
          at: storedInstant(decision.at),
        })
        .onConflict((oc) => oc.columns(['org_id', 'key', 'version', 'user_id']).doNothing())
        .execute();
      await appendAudit(tx, orgId, {
        at: storedInstant(decision.at),
        actor: `user:${decision.userId}`,
        type: decision.decision === 'approved' ? 'outbox.approval' : 'outbox.rejection',
        subject: subjectOf(decision.key),
        data: {
          key: decision.key,
          version: decision.version,
          userId: decision.userId,
          reason: decision.reason,
          ...audit,
        },
      });
    },

    async addVersion(tx, orgId, key, version: NewVersion, audit) {
      const row = await readRow(tx, orgId, key);
      if (!row) throw new AppError('not_found', `no outbox item ${key}`);
      const content = assertPayload(version.content);
      const next = row.version + 1;
      const at = storedInstant(version.at);
      await tx
        .insertInto('outbox_versions')
        .values({
          org_id: orgId,
          key,
          version: next,
          content: canonicalJson(content),
          diff: version.diff === undefined ? null : canonicalJson(version.diff),
          by: version.by,
          at,
        })
        .execute();
      const updated = await tx
        .updateTable('outbox')
        .set({ version: next, payload: canonicalJson(content), updated_at: at })
        .where('org_id', '=', orgId)
        .where('key', '=', key)
        .where('version', '=', row.version)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw new OutboxConflictError(key, `version ${row.version}`, 'a newer version');
      await appendAudit(tx, orgId, {
        at,
        actor: version.by,
        type: 'outbox.edited',
        subject: subjectOf(key),
        data: {
          key,
          version: next,
          previousVersion: row.version,
          status: row.status,
          contentSha256: contentHash(content),
          ...audit,
        },
      });
      return next;
    },

    claimDue(orgId, workerId, now, limit, leaseMs, options: BatchClaimOptions = {}) {
      const at = storedInstant(now);
      const expires = new Date(Date.parse(at) + leaseMs).toISOString();
      const idempotent = options.idempotent ?? (() => false);
      const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
      const dueBy = options.dueBy === undefined ? at : storedInstant(options.dueBy);
      const actor = `worker:${workerId}`;
      return db.transaction(async (trx): Promise<ClaimResult> => {
        // Two index scans on (status, due_at) in due order, each stopping after `limit`
        // rows, rather than one OR that sorts every approved row on each claim: due items,
        // and claims that expired (a crashed worker's). The earliest `limit` of both go on;
        // ties in due time are taken as the index yields them, then ordered by org and key.
        const n = Math.max(1, limit);
        const pick = (status: 'approved' | 'dispatching') => {
          let q = trx.selectFrom('outbox').selectAll().where('status', '=', status);
          q =
            status === 'approved'
              ? q.where('due_at', '<=', dueBy)
              : q.where('claim_expires_at', '<', at);
          if (orgId !== null) q = q.where('org_id', '=', orgId);
          q = q.orderBy('due_at').limit(n);
          if (trx.dialect === 'postgres') q = q.forUpdate().skipLocked();
          return q.execute();
        };
        const rows = [...(await pick('dispatching')), ...(await pick('approved'))]
          .sort((a, b) =>
            a.due_at !== b.due_at
              ? a.due_at < b.due_at
                ? -1
                : 1
              : a.org_id !== b.org_id
                ? a.org_id < b.org_id
                  ? -1
                  : 1
                : a.key < b.key
                  ? -1
                  : a.key > b.key
                    ? 1
                    : 0,
          )
          .slice(0, n);
        const result: ClaimResult = { claimed: [], reclaimed: [], lost: [] };
        const claims: Change[] = [];
        for (let row of rows) {
          if (row.status === 'dispatching') {
            const item = toItem(row);
            const started = row.provider !== null;
            const system = 'system:claim-expired';
            if (started && (!idempotent(item) || row.attempts >= maxAttempts)) {
              await applyTransition(
                trx,
                row.org_id,
                row,
                'unknown',
                {
                  actor: system,
                  reason:
                    started && idempotent(item)
                      ? 'outcome_lost: attempts exhausted'
                      : 'outcome_lost',
                  audit: { previousClaim: row.claimed_by, claimExpiredAt: row.claim_expires_at },
                },
                at,
              );
              result.lost.push(row.key);
              continue;
            }
            const back = await applyTransition(
              trx,
              row.org_id,
              row,
              'approved',
              {
                actor: system,
                reason: 'lease_expired',
                uncountAttempt: !started,
                audit: {
                  previousClaim: row.claimed_by,
                  claimExpiredAt: row.claim_expires_at,
                  sendStarted: started,
                },
              },
              at,
            );
            result.reclaimed.push(row.key);
            row = toRow(back, row);
            if (row.due_at > dueBy) continue;
          }
          claims.push({
            orgId: row.org_id,
            row,
            to: 'dispatching',
            options: { actor, reason: null, audit: { claimExpiresAt: expires } },
            extra: {
              claimed_by: workerId,
              claim_expires_at: expires,
              attempts: row.attempts + 1,
              provider: (options.beginSend && options.beginSend(toItem(row))) ?? null,
            },
          });
        }
        // One guarded update, one history insert and one audit append for the whole batch.
        for (const claimed of await applyTransitions(trx, claims, at)) {
          if (claimed instanceof OutboxConflictError) throw claimed; // rows are locked: a bug
          result.claimed.push(claimed);
        }
        return result;
      });
    },

    async beginSend(orgId, key, workerId, provider, now, leaseMs) {
      const at = storedInstant(now);
      const result = await db.kysely
        .updateTable('outbox')
        .set({
          provider,
          claim_expires_at: new Date(Date.parse(at) + leaseMs).toISOString(),
          updated_at: at,
        })
        .where('org_id', '=', orgId)
        .where('key', '=', key)
        .where('status', '=', 'dispatching')
        .where('claimed_by', '=', workerId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    releaseClaims(workerId, keys) {
      return db.transaction(async (trx) => {
        let q = trx
          .selectFrom('outbox')
          .selectAll()
          .where('status', '=', 'dispatching')
          .where('claimed_by', '=', workerId)
          .where('provider', 'is', null);
        if (keys !== undefined) {
          if (keys.length === 0) return [];
          q = q.where((eb) =>
            eb.or(keys.map((k) => eb.and([eb('org_id', '=', k.orgId), eb('key', '=', k.key)]))),
          );
        }
        if (trx.dialect === 'postgres') q = q.forUpdate();
        const rows = await q.orderBy('org_id').orderBy('key').execute();
        const at = nowIso();
        for (const row of rows)
          await applyTransition(
            trx,
            row.org_id,
            row,
            'approved',
            {
              actor: `worker:${workerId}`,
              reason: 'released',
              uncountAttempt: true,
              claimedBy: workerId,
            },
            at,
          );
        return rows.map((r) => r.key);
      });
    },

    async createTask(tx, orgId, task: NewTask) {
      const result = await tx
        .insertInto('tasks')
        .values({
          org_id: orgId,
          id: task.id,
          lease_id: task.leaseId,
          episode: task.episode,
          outbox_key: task.outboxKey,
          title: task.title,
          category: task.category,
          assignee: task.assignee,
          due_date: task.dueDate,
          data: canonicalJson(task.data),
          created_at: storedInstant(task.at),
          completed_at: null,
        })
        .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
  };
  return repo;
}

/** `outbox:<key>`: the audit subject of an item. */
export function subjectOf(key: string): string {
  return `outbox:${key}`;
}

async function readRow(
  target: Kysely<Schema>,
  orgId: string,
  key: string,
): Promise<Row | undefined> {
  return queryable(target)
    .selectFrom('outbox')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .executeTakeFirst();
}

type ExtraSet = Partial<Pick<Row, 'claimed_by' | 'claim_expires_at' | 'attempts' | 'provider'>>;

/** One status change: `row` is the caller's view of the item. */
interface Change {
  orgId: string;
  row: Row;
  to: OutboxStatus;
  options: TransitionOptions;
  extra?: ExtraSet;
  /** When it happened, if not at the batch's instant. */
  at?: string | undefined;
}

/** The stored rows of `items`, by `rowId`. */
async function readRows(
  trx: DbTransaction,
  items: readonly { orgId: string; key: string }[],
): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  const byOrg = new Map<string, string[]>();
  for (const x of items) {
    const keys = byOrg.get(x.orgId) ?? [];
    keys.push(x.key);
    byOrg.set(x.orgId, keys);
  }
  for (const [orgId, keys] of byOrg)
    for (let i = 0; i < keys.length; i += IN_CHUNK)
      for (const row of await trx
        .selectFrom('outbox')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('key', 'in', keys.slice(i, i + IN_CHUNK))
        .execute())
        out.set(rowId(row.org_id, row.key), row);
  return out;
}

/**
 * The one place a status changes: table check, guarded update, history row, audit entry.
 * `row` is the caller's view; if the stored row moved on meanwhile nothing is written and
 * `OutboxConflictError` is thrown.
 */
async function applyTransition(
  trx: DbTransaction,
  orgId: string,
  row: Row,
  to: OutboxStatus,
  options: TransitionOptions,
  at: string,
  extra: ExtraSet = {},
): Promise<OutboxItem> {
  const [result] = await applyTransitions(trx, [{ orgId, row, to, options, extra }], at);
  if (result instanceof OutboxConflictError) throw result;
  return result!;
}

const INTEGER_COLUMNS = new Set(['attempts', 'approvals_required']);

/**
 * `applyTransition` for many items (distinct keys) at once: each is checked against the
 * table and its claim as one would be, then the rows are updated — guarded by `status = from`
 * (and the claim) — with one statement per set of columns on PostgreSQL (one per row on
 * SQLite, in-process), the history rows go in with one statement and the audit entries with
 * one append per organisation. A change whose row moved on is not applied: its slot holds
 * the OutboxConflictError. Results are in the order of `changes`.
 */
async function applyTransitions(
  trx: DbTransaction,
  changes: readonly Change[],
  at: string,
): Promise<(OutboxItem | OutboxConflictError)[]> {
  const { out, audits } = await writeTransitions(trx, changes, at);
  const byOrg = new Map<string, AuditInput[]>();
  changes.forEach((change, i) => {
    const entry = audits[i];
    if (entry === undefined) return;
    byOrg.set(change.orgId, [...(byOrg.get(change.orgId) ?? []), entry]);
  });
  for (const [orgId, entries] of byOrg) await appendAuditMany(trx, orgId, entries);
  return out;
}

/**
 * `applyTransitions` but for the audit entries, returned by change (none for a conflict):
 * written by `applyTransitions`, or by the caller of `transitionLocked` among its own.
 */
async function writeTransitions(
  trx: DbTransaction,
  changes: readonly Change[],
  batchAt: string,
): Promise<{
  out: (OutboxItem | OutboxConflictError)[];
  audits: (AuditInput | undefined)[];
}> {
  const audits = new Array<AuditInput | undefined>(changes.length);
  const out = new Array<OutboxItem | OutboxConflictError>(changes.length);
  const seen = new Set<string>();
  const sets: { change: Change; set: Partial<Row>; index: number }[] = [];
  changes.forEach((change, index) => {
    const { row, to, options } = change;
    const id = rowId(change.orgId, row.key);
    if (seen.has(id)) throw new Error(`outbox item ${row.key} twice in one batch of transitions`);
    seen.add(id);
    const from = row.status;
    // Another worker's (or no) claim: the item is no longer ours, whatever its status.
    if (options.claimedBy !== undefined && row.claimed_by !== options.claimedBy) {
      out[index] = new OutboxConflictError(
        row.key,
        `claimed by ${options.claimedBy}`,
        `${row.status}${row.claimed_by ? ` claimed by ${row.claimed_by}` : ''}`,
      );
      return;
    }
    assertTransition(from, to, whoOf(options.actor), row.key);
    const extra = change.extra ?? {};
    if (to === 'dispatching' && extra.claimed_by === undefined)
      throw new Error('an item becomes dispatching only by claimDue');
    const leavingClaim = from === 'dispatching' && to !== 'dispatching';
    const set: Partial<Row> = {
      status: to,
      reason: options.reason ?? null,
      updated_at: change.at ?? batchAt,
      ...(leavingClaim ? { claimed_by: null, claim_expires_at: null } : {}),
      ...extra,
    };
    if (options.provider !== undefined) set.provider = options.provider;
    if (options.providerId !== undefined) set.provider_id = options.providerId;
    if (options.dueAt !== undefined) set.due_at = storedInstant(options.dueAt);
    if (options.uncountAttempt) set.attempts = Math.max(0, row.attempts - 1);
    if (options.minApprovals !== undefined && row.approvals_required < options.minApprovals)
      set.approvals_required = options.minApprovals;
    sets.push({ change, set, index });
  });

  // The guarded updates.
  const updated = new Map<number, Row>();
  if (trx.dialect === 'postgres' && sets.length > 1) {
    const shapes = new Map<string, typeof sets>();
    for (const s of sets) {
      const shape = Object.keys(s.set).sort().join(',');
      shapes.set(shape, [...(shapes.get(shape) ?? []), s]);
    }
    for (const [shape, group] of shapes) {
      const columns = shape.split(',');
      const q = (c: string) => `"${c}"`;
      const { rows } = await trx.executeQuery<Row & { _i: number }>(
        CompiledQuery.raw(
          `update "outbox" as o set ${columns.map((c) => `${q(c)} = v.${q(c)}`).join(', ')}
           from json_to_recordset($1::json) as v("_i" int, "_org" text, "_key" text, "_from" text, "_claim" text, ${columns.map((c) => `${q(c)} ${INTEGER_COLUMNS.has(c) ? 'int' : 'text'}`).join(', ')})
           where o."org_id" = v."_org" and o."key" = v."_key" and o."status" = v."_from"
             and (v."_claim" is null or o."claimed_by" = v."_claim")
           returning o.*, v."_i"`,
          [
            JSON.stringify(
              group.map((s) => ({
                ...s.set,
                _i: s.index,
                _org: s.change.orgId,
                _key: s.change.row.key,
                _from: s.change.row.status,
                _claim: s.change.options.claimedBy ?? null,
              })),
            ),
          ],
        ),
      );
      for (const { _i, ...row } of rows) updated.set(_i, row as Row);
    }
  } else
    for (const { change, set, index } of sets) {
      let q = trx
        .updateTable('outbox')
        .set(set)
        .where('org_id', '=', change.orgId)
        .where('key', '=', change.row.key)
        .where('status', '=', change.row.status);
      if (change.options.claimedBy !== undefined)
        q = q.where('claimed_by', '=', change.options.claimedBy);
      const row = await q.returningAll().executeTakeFirst();
      if (row) updated.set(index, row);
    }

  // Rows that moved on: a conflict, named as it is now.
  const applied: { change: Change; index: number; row: Row }[] = [];
  for (const { change, index } of sets) {
    const row = updated.get(index);
    if (row) {
      applied.push({ change, index, row });
      continue;
    }
    const now = await readRow(trx, change.orgId, change.row.key);
    out[index] = new OutboxConflictError(
      change.row.key,
      change.row.status +
        (change.options.claimedBy ? ` claimed by ${change.options.claimedBy}` : ''),
      now && `${now.status}${now.claimed_by ? ` claimed by ${now.claimed_by}` : ''}`,
    );
  }
  if (applied.length === 0) return { out, audits };

  // History rows: each item's next seq (the updated row is locked, so no one else adds one).
  const history = applied.map(({ change }) => ({
    org_id: change.orgId,
    key: change.row.key,
    from_status: change.row.status,
    to_status: change.to,
    at: change.at ?? batchAt,
    actor: change.options.actor,
    reason: change.options.reason ?? null,
  }));
  const next = `coalesce((select max(t."seq") from "outbox_transitions" as t where t."org_id" = v."org_id" and t."key" = v."key"), 0) + 1`;
  const columns = `"org_id", "key", "seq", "from_status", "to_status", "at", "actor", "reason"`;
  const picked = `v."org_id", v."key", ${next}, v."from_status", v."to_status", v."at", v."actor", v."reason"`;
  if (trx.dialect === 'postgres')
    await trx.executeQuery(
      CompiledQuery.raw(
        `insert into "outbox_transitions" (${columns}) select ${picked}
         from json_to_recordset($1::json) as v("org_id" text, "key" text, "from_status" text, "to_status" text, "at" text, "actor" text, "reason" text)`,
        [JSON.stringify(history)],
      ),
    );
  else
    for (const h of history)
      await trx.executeQuery(
        CompiledQuery.raw(
          `insert into "outbox_transitions" (${columns}) select ${picked}
           from (select ? as "org_id", ? as "key", ? as "from_status", ? as "to_status", ? as "at", ? as "actor", ? as "reason") as v`,
          [h.org_id, h.key, h.from_status, h.to_status, h.at, h.actor, h.reason],
        ),
      );

  // The audit entries, appended last by the caller (they lock the organisation's chain head).
  for (const { change, row: updatedRow, index } of applied) {
    const { row, to, options } = change;
    audits[index] = {
      at: change.at ?? batchAt,
      actor: options.actor,
      type: `outbox.${to}`,
      subject: subjectOf(row.key),
      data: {
        key: row.key,
        leaseId: row.lease_id,
        from: row.status,
        to,
        reason: options.reason ?? null,
        version: updatedRow.version,
        attempts: updatedRow.attempts,
        ...(updatedRow.provider !== null ? { provider: updatedRow.provider } : {}),
        ...(options.providerId != null ? { providerId: options.providerId } : {}),
        ...(options.dueAt !== undefined ? { dueAt: updatedRow.due_at } : {}),
        ...options.audit,
      },
    };
    out[index] = toItem(updatedRow);
  }
  return { out, audits };
}

function newRow(orgId: string, item: NewOutboxItem, at: string, where: string): Row {
  if (typeof item.key !== 'string' || item.key.trim() === '')
    throw new TypeError(`${where}.key: an outbox item needs its R7 key`);
  if (![0, 1, 2].includes(item.approvalsRequired))
    throw new TypeError(
      `${where}.approvalsRequired: 0, 1 or 2, not ${String(item.approvalsRequired)}`,
    );
  if (!Number.isInteger(item.episode) || item.episode < 1)
    throw new TypeError(`${where}.episode: a positive integer`);
  let dueAt: string;
  try {
    dueAt = storedInstant(item.dueAt);
  } catch {
    throw new TypeError(`${where}.dueAt: not an instant: ${String(item.dueAt)}`);
  }
  const payload = assertPayload(
    item.pastDueCents === null || item.pastDueCents === undefined
      ? item.payload
      : { ...item.payload, pastDueCents: item.pastDueCents },
    `${where}.payload`,
  );
  return {
    org_id: orgId,
    key: item.key,
    lease_id: item.leaseId,
    episode: item.episode,
    stage: item.stage,
    action: item.action,
    type: item.type,
    channel: item.channel,
    method: item.method,
    contact_id: item.contactId,
    status: initialStatus(item.approvalsRequired),
    reason: null,
    payload: canonicalJson(payload),
    policy_id: item.policyId,
    policy_version: item.policyVersion,
    amount_cents: item.amountCents,
    approvals_required: item.approvalsRequired,
    version: 1,
    due_at: dueAt,
    attempts: 0,
    claimed_by: null,
    claim_expires_at: null,
    provider: null,
    provider_id: null,
    created_at: at,
    updated_at: at,
  };
}

export function toItem(row: Row): OutboxItem {
  let payload: JsonObject = {};
  try {
    const parsed: unknown = JSON.parse(row.payload);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      payload = parsed as JsonObject;
  } catch {
    // A payload that is not JSON is shown empty rather than breaking every listing.
  }
  if (!isOutboxStatus(row.status))
    throw new Error(`outbox item ${row.key} has an unknown status ${row.status}`);
  return {
    orgId: row.org_id,
    key: row.key,
    leaseId: row.lease_id,
    episode: row.episode,
    stage: row.stage,
    action: row.action,
    type: row.type,
    channel: row.channel,
    method: row.method,
    contactId: row.contact_id,
    status: row.status,
    reason: row.reason,
    payload,
    pastDueCents: typeof payload.pastDueCents === 'number' ? payload.pastDueCents : null,
    policyId: row.policy_id,
    policyVersion: row.policy_version,
    amountCents: row.amount_cents,
    approvalsRequired: row.approvals_required,
    version: row.version,
    dueAt: row.due_at,
    attempts: row.attempts,
    claimedBy: row.claimed_by,
    claimExpiresAt: row.claim_expires_at,
    provider: row.provider,
    providerId: row.provider_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The row an item was read from (the caller's view of it). */
function rowOf(item: OutboxItem): Row {
  return {
    org_id: item.orgId,
    key: item.key,
    lease_id: item.leaseId,
    episode: item.episode,
    stage: item.stage,
    action: item.action,
    type: item.type,
    channel: item.channel,
    method: item.method,
    contact_id: item.contactId,
    status: item.status,
    reason: item.reason,
    payload: JSON.stringify(item.payload),
    policy_id: item.policyId,
    policy_version: item.policyVersion,
    amount_cents: item.amountCents,
    approvals_required: item.approvalsRequired,
    version: item.version,
    due_at: item.dueAt,
    attempts: item.attempts,
    claimed_by: item.claimedBy,
    claim_expires_at: item.claimExpiresAt,
    provider: item.provider,
    provider_id: item.providerId,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
  };
}

function toRow(item: OutboxItem, base: Row): Row {
  return {
    ...base,
    status: item.status,
    reason: item.reason,
    due_at: item.dueAt,
    attempts: item.attempts,
    claimed_by: item.claimedBy,
    claim_expires_at: item.claimExpiresAt,
    provider: item.provider,
    provider_id: item.providerId,
    approvals_required: item.approvalsRequired,
    version: item.version,
    updated_at: item.updatedAt,
  };
}

function encodeCursor(createdAt: string, key: string): string {
  return Buffer.from(JSON.stringify([createdAt, key])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    )
      return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new AppError('invalid_input', `not an outbox cursor: ${cursor}`);
}
