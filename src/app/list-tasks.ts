/**
 * Tasks (SPEC 3.4 `task` actions): the outbox items of type `task` and, once the dispatcher
 * has created it, the task row each became: its title, assignee, due date and status.
 *
 *   status  pending    the item waits for approval or dispatch (no task yet)
 *           open       the task exists and is not done
 *           done       completed by staff (complete-task.ts)
 *           cancelled  the task row was cancelled
 *           …          otherwise the item's final outbox status (cancelled, rejected,
 *                      expired, skipped, failed): it never became a task
 *
 * Listed by key, scoped to the caller's properties; `assignee` and `due` filter the rows.
 */
import type { JsonObject } from '../domain/outbox/index.js';
import type { Visibility } from './lease-access.js';

/** A task-type outbox item and its task row (storage/repos/tasks-repo.ts). */
export interface TaskRow {
  key: string;
  leaseId: string;
  propertyId: string | null;
  episode: number;
  stage: string;
  action: string;
  outboxStatus: string;
  reason: string | null;
  payload: JsonObject;
  createdAt: string;
  updatedAt: string;
  /** The task the dispatcher created, or null while it is not created. */
  task: {
    status: string;
    title: string;
    category: string | null;
    assignee: string | null;
    dueDate: string | null;
    completedAt: string | null;
    data: JsonObject | null;
  } | null;
}

export interface TaskCompletion {
  at: string;
  /** `user:<id>`, recorded in the audit log. */
  actor: string;
  note: string | null;
}

export interface TaskStore<Tx> {
  /**
   * Task-type outbox items by key after `after` (exclusive), at most `limit`, of leases of
   * `propertyIds` when given (null: every property).
   */
  list(
    orgId: string,
    query: { propertyIds?: readonly string[] | null; after?: string; limit: number },
  ): Promise<TaskRow[]>;
  get(orgId: string, key: string, tx?: Tx): Promise<TaskRow | undefined>;
  /**
   * Marks the open task of `key` done, with a `task.completed` audit entry, in `tx`; false
   * when the task is not open any more. Call it last in the transaction (it appends audit).
   */
  markDone(tx: Tx, orgId: string, key: string, completion: TaskCompletion): Promise<boolean>;
}

const PENDING = new Set(['draft', 'approved', 'dispatching', 'unknown']);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function taskStatus(row: TaskRow): string {
  if (row.task) return row.task.status;
  if (PENDING.has(row.outboxStatus)) return 'pending';
  if (row.outboxStatus === 'sent' || row.outboxStatus === 'delivered') return 'open';
  return row.outboxStatus;
}

export function taskJson(row: TaskRow) {
  const p = row.payload;
  const completion =
    row.task?.data && typeof row.task.data.completion === 'object' && row.task.data.completion
      ? (row.task.data.completion as JsonObject)
      : null;
  return {
    key: row.key,
    leaseId: row.leaseId,
    propertyId: row.propertyId,
    episode: row.episode,
    stage: row.stage,
    action: row.action,
    title: row.task?.title ?? str(p.title) ?? `${row.stage}: ${row.action}`,
    category: row.task?.category ?? str(p.category),
    assignee: row.task?.assignee ?? str(p.assignee),
    dueDate: row.task?.dueDate ?? str(p.dueDate),
    status: taskStatus(row),
    outboxStatus: row.outboxStatus,
    reason: row.reason,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    completedAt: row.task?.completedAt ?? null,
    completedBy: completion ? str(completion.by) : null,
    note: completion ? str(completion.note) : null,
  };
}

export type TaskJson = ReturnType<typeof taskJson>;

export interface TaskQuery {
  /** Exact assignee (`role:legal`, an e-mail); `me` is the caller's e-mail or role. */
  assignee?: string;
  /** `today`: due on `at`; `overdue`: due before `at` (open and pending tasks only). */
  due?: 'today' | 'overdue';
  /** The date `due` compares with. */
  at: string;
  after?: string;
  limit: number;
}

const OPEN = new Set(['open', 'pending']);
const BATCH = 200;

/**
 * Up to `limit + 1` tasks after `after` matching the filters (the extra one tells the route
 * another page follows). The store pages by key; filters apply to each batch.
 */
export async function listTasks<Tx>(
  deps: { tasks: TaskStore<Tx> },
  v: Visibility,
  caller: { email: string; role: string },
  query: TaskQuery,
): Promise<TaskJson[]> {
  const wanted = query.limit + 1;
  const assignees =
    query.assignee === 'me'
      ? new Set([caller.email.toLowerCase(), `role:${caller.role}`])
      : query.assignee !== undefined
        ? new Set([query.assignee])
        : undefined;
  const keep = (t: TaskJson) => {
    if (
      assignees &&
      (t.assignee === null ||
        !(assignees.has(t.assignee) || assignees.has(t.assignee.toLowerCase())))
    )
      return false;
    if (query.due !== undefined) {
      if (!OPEN.has(t.status) || t.dueDate === null) return false;
      if (query.due === 'today' ? t.dueDate !== query.at : !(t.dueDate < query.at)) return false;
    }
    return true;
  };
  const out: TaskJson[] = [];
  let after = query.after;
  for (;;) {
    const rows = await deps.tasks.list(v.orgId, {
      propertyIds: v.propertyIds ?? null,
      ...(after !== undefined ? { after } : {}),
      limit: BATCH,
    });
    for (const row of rows) {
      const t = taskJson(row);
      if (keep(t)) out.push(t);
      if (out.length === wanted) return out;
    }
    if (rows.length < BATCH) return out;
    after = rows.at(-1)!.key;
  }
}
