/**
 * Completing a task (SPEC 3.4 `task`, 10 "who owns the next action"): staff mark an open
 * task done, with an optional note, audited as the user who did it.
 *
 * The outbox state machine (domain/outbox/states.ts) has no status of its own for a done
 * task: the dispatcher makes a task item `sent` when it creates the task ("the provider
 * accepted it (or the task was created)"), and the only way on from `sent` is `delivered`
 * or `failed`, each made by a provider. Completing a task is the task provider's delivery
 * report, so the item goes `sent → delivered` as `provider:tasks` (the provider the
 * dispatcher recorded for it) with the completing user in the transition's audit data; the
 * task row becomes `done`, with its own `task.completed` entry whose actor is the user. All
 * of it in one transaction. A task not created yet (its item still waits for approval or
 * dispatch) cannot be completed: approve it first, or reject it if it is not needed.
 */
import { AppError } from '../domain/errors.js';
import { seesProperty, type Visibility } from './lease-access.js';
import { taskJson, type TaskJson, type TaskStore } from './list-tasks.js';
import type { Clock } from './ports/clock.js';
import type { OutboxStore } from './ports/outbox.js';

export interface CompleteTaskDeps<Tx> {
  clock: Clock;
  outbox: Pick<OutboxStore<Tx>, 'transaction' | 'lock' | 'transition'>;
  tasks: TaskStore<Tx>;
}

/** The provider the dispatcher records on task items (app/dispatch-outbox.ts). */
export const TASK_PROVIDER = 'tasks';

export async function completeTask<Tx>(
  deps: CompleteTaskDeps<Tx>,
  v: Visibility,
  key: string,
  by: { userId: string },
  note?: string,
): Promise<TaskJson> {
  const missing = () =>
    new AppError('not_found', `no task ${key}; GET /api/v1/tasks lists the tasks you can see`);
  const row = await deps.tasks.get(v.orgId, key);
  if (!row || (row.propertyId !== null && !seesProperty(v, row.propertyId))) throw missing();
  if (row.propertyId === null && !(v.propertyIds === undefined || v.propertyIds === null))
    throw missing();
  const at = new Date(deps.clock.now()).toISOString();
  const actor = `user:${by.userId}`;
  await deps.outbox.transaction(async (tx) => {
    const item = await deps.outbox.lock(tx, v.orgId, key);
    const current = await deps.tasks.get(v.orgId, key, tx);
    if (!item || !current) throw missing();
    const status = taskJson(current).status;
    if (!current.task)
      throw new AppError(
        'conflict',
        status === 'pending'
          ? `task ${key} is not created yet: its outbox item is ${current.outboxStatus}; approve it and let the dispatcher create it (or reject it if it is not needed)`
          : `task ${key} was never created: its outbox item is ${current.outboxStatus}`,
      );
    if (current.task.status !== 'open')
      throw new AppError(
        'conflict',
        `task ${key} is ${current.task.status}${current.task.completedAt ? ` since ${current.task.completedAt}` : ''}; only an open task can be completed`,
      );
    if (item.status === 'sent')
      await deps.outbox.transition(tx, v.orgId, key, 'delivered', {
        actor: `provider:${TASK_PROVIDER}`,
        reason: 'task_completed',
        at,
        audit: { completedBy: actor, ...(note !== undefined ? { note } : {}) },
      });
    if (!(await deps.tasks.markDone(tx, v.orgId, key, { at, actor, note: note ?? null })))
      throw new AppError('conflict', `task ${key} changed meanwhile; read it again`);
  });
  const done = await deps.tasks.get(v.orgId, key);
  if (!done) throw missing();
  return taskJson(done);
}
