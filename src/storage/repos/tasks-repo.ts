/**
 * Tasks as staff see them: the `task` outbox items joined with the `tasks` rows the
 * dispatcher creates for them (one per item key), and marking a task done. Implements
 * `TaskStore` of app/list-tasks.ts; every query is scoped to one organisation.
 */
import type { TaskRow, TaskStore } from '../../app/list-tasks.js';
import type { JsonObject } from '../../domain/outbox/index.js';
import { canonicalJson } from '../../domain/audit/canonical-json.js';
import { queryable, storedInstant, type Db, type DbTransaction } from '../database.js';
import { appendAudit } from './audit-repo.js';

function jsonObject(text: string | null | undefined): JsonObject | null {
  if (text === null || text === undefined) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : null;
  } catch {
    return null;
  }
}

function base(k: ReturnType<typeof queryable>, orgId: string) {
  return k
    .selectFrom('outbox as o')
    .leftJoin('tasks as t', (j) => j.onRef('t.org_id', '=', 'o.org_id').onRef('t.id', '=', 'o.key'))
    .leftJoin('leases as l', (j) =>
      j.onRef('l.org_id', '=', 'o.org_id').onRef('l.id', '=', 'o.lease_id'),
    )
    .select([
      'o.key',
      'o.lease_id',
      'o.episode',
      'o.stage',
      'o.action',
      'o.status',
      'o.reason',
      'o.payload',
      'o.created_at',
      'o.updated_at',
      'l.property_id',
      't.id as task_id',
      't.status as task_status',
      't.title',
      't.category',
      't.assignee',
      't.due_date',
      't.completed_at',
      't.data as task_data',
    ])
    .where('o.org_id', '=', orgId)
    .where('o.type', '=', 'task');
}

type Selected = Awaited<ReturnType<ReturnType<typeof base>['execute']>>[number];

function toRow(r: Selected): TaskRow {
  return {
    key: r.key,
    leaseId: r.lease_id,
    propertyId: r.property_id ?? null,
    episode: Number(r.episode),
    stage: r.stage,
    action: r.action,
    outboxStatus: r.status,
    reason: r.reason,
    payload: jsonObject(r.payload) ?? {},
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    task:
      r.task_id === null || r.task_id === undefined
        ? null
        : {
            status: r.task_status ?? 'open',
            title: r.title ?? '',
            category: r.category ?? null,
            assignee: r.assignee ?? null,
            dueDate: r.due_date ?? null,
            completedAt: r.completed_at ?? null,
            data: jsonObject(r.task_data),
          },
  };
}

export function tasksRepo(db: Db): TaskStore<DbTransaction> {
  return {
    async list(orgId, query) {
      if (
        query.propertyIds !== undefined &&
        query.propertyIds !== null &&
        query.propertyIds.length === 0
      )
        return [];
      let q = base(db.kysely, orgId);
      if (query.propertyIds !== undefined && query.propertyIds !== null)
        q = q.where('l.property_id', 'in', [...query.propertyIds]);
      if (query.after !== undefined) q = q.where('o.key', '>', query.after);
      const rows = await q.orderBy('o.key').limit(query.limit).execute();
      return rows.map(toRow);
    },

    async get(orgId, key, tx) {
      const row = await base(tx ?? db.kysely, orgId)
        .where('o.key', '=', key)
        .executeTakeFirst();
      return row && toRow(row);
    },

    async markDone(trx, orgId, key, completion) {
      const at = storedInstant(completion.at);
      const current = await trx
        .selectFrom('tasks')
        .select(['data', 'status'])
        .where('org_id', '=', orgId)
        .where('id', '=', key)
        .executeTakeFirst();
      if (!current || current.status !== 'open') return false;
      const data = {
        ...(jsonObject(current.data) ?? {}),
        completion: { by: completion.actor, at, note: completion.note },
      };
      const r = await trx
        .updateTable('tasks')
        .set({ status: 'done', completed_at: at, data: canonicalJson(data) })
        .where('org_id', '=', orgId)
        .where('id', '=', key)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await appendAudit(trx, orgId, {
        at,
        actor: completion.actor,
        type: 'task.completed',
        subject: `outbox:${key}`,
        data: { key, note: completion.note },
      });
      return true;
    },
  };
}
