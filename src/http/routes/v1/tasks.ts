/**
 * Tasks (SPEC 3.4 `task` actions, 10 "who owns the next action"), scoped to the caller's
 * organisation and properties:
 *
 *   GET  /api/v1/tasks?assignee=&due=today|overdue&at=&cursor=&limit=
 *        task-type outbox items with their title, assignee, due date and status, by key
 *   POST /api/v1/tasks/{key}/complete   {note?}   mark an open task done
 *
 * Status: `pending` (the item waits for approval or dispatch: no task yet), `open`, `done`,
 * `cancelled`, or the final outbox status of an item that never became a task. `assignee`
 * matches exactly (`role:legal`, an e-mail); `me` is the caller's e-mail or role. `due`
 * keeps open and pending tasks due on `at` (`today`) or before it (`overdue`); `at` is a
 * local date, by default today in UTC.
 *
 * Completing goes through the outbox state machine (app/complete-task.ts): the item goes
 * `sent → delivered` as the task provider's report, the task becomes `done`, both audited
 * with the user in one transaction. A task not created yet or already done is 409.
 *
 * Reading: staff roles and auditors. Completing: admin, manager, collections, legal or
 * finance. Stores come through `provideTasksApi(deps)`; without it these answer 503.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { completeTask, type CompleteTaskDeps } from '../../../app/complete-task.js';
import { listTasks } from '../../../app/list-tasks.js';
import type { DocumentStore } from '../../../app/ports/documents.js';
import {
  attachTaskPhoto,
  MAX_PHOTO_BYTES,
  PHOTO_TYPES,
  taskPhotoBytes,
  taskPhotos,
  type TaskPhotoStore,
} from '../../../app/task-photos.js';
import { isLocalDate } from '../../../domain/dates.js';
import { InputError } from '../../../domain/errors.js';
import { principalOf, requireRole } from '../../auth.js';
import { pageOf, pageRequest, PAGE_QUERY_SCHEMA } from '../../pagination.js';
import { problem, sendProblem } from '../../problem.js';
import { visibilityOf } from './leases.js';
import { provided } from './provided.js';

export type TasksApiDeps<Tx> = CompleteTaskDeps<Tx> & {
  /** Photos on tasks (cut-lock inventory); without them the photo routes answer 503. */
  photos?: TaskPhotoStore;
  documents?: Pick<DocumentStore<Tx>, 'storeDocument'>;
};

const api = provided<TasksApiDeps<unknown>>('arrearsTasksApi');

/** Hands the tasks API its stores (register before API_V1_ROUTES). */
export function provideTasksApi<Tx>(deps: TasksApiDeps<Tx>): FastifyPluginAsync {
  return api.provide(deps as TasksApiDeps<unknown>);
}

const depsOf = (app: FastifyInstance) => api.of(app);

const READERS = requireRole('manager', 'collections', 'legal', 'finance', 'auditor');
const WORKERS = requireRole('manager', 'collections', 'legal', 'finance');

const unavailable = problem(
  'unavailable',
  'tasks are not wired into this server (see provideTasksApi)',
);

const NULLABLE_STRING = { type: ['string', 'null'] } as const;

const TASK_SCHEMA = {
  type: 'object',
  required: ['key', 'leaseId', 'episode', 'title', 'status', 'outboxStatus'],
  properties: {
    key: { type: 'string', description: 'The outbox key of the task item.' },
    leaseId: { type: 'string' },
    propertyId: NULLABLE_STRING,
    episode: { type: 'integer' },
    stage: { type: 'string' },
    action: { type: 'string' },
    title: { type: 'string' },
    category: NULLABLE_STRING,
    assignee: { ...NULLABLE_STRING, description: '`role:legal`, an e-mail …' },
    dueDate: { ...NULLABLE_STRING, description: 'Local date it is due.' },
    status: {
      type: 'string',
      description:
        'pending (not created yet), open, done, cancelled, or the final outbox status of an item that never became a task.',
    },
    outboxStatus: { type: 'string' },
    reason: NULLABLE_STRING,
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    completedAt: NULLABLE_STRING,
    completedBy: { ...NULLABLE_STRING, description: '`user:<id>` of who completed it.' },
    note: NULLABLE_STRING,
  },
} as const;

const KEY_PARAMS = {
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', minLength: 1, maxLength: 500 } },
} as const;

export const tasksRoutes: FastifyPluginAsync = async (app) => {
  app.get<{
    Querystring: {
      assignee?: string;
      due?: 'today' | 'overdue';
      at?: string;
      limit?: number;
      cursor?: string;
    };
  }>(
    '/tasks',
    {
      schema: {
        summary: 'Tasks',
        description:
          'Task-type outbox items by key, with the task each became: title, assignee, due ' +
          'date and status. `assignee=me` matches the caller’s e-mail or `role:<role>`; ' +
          '`due=today|overdue` keeps open and pending tasks due on / before `at` (default ' +
          'today, UTC).',
        tags: ['tasks'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...PAGE_QUERY_SCHEMA.properties,
            assignee: { type: 'string', minLength: 1, maxLength: 320 },
            due: { type: 'string', enum: ['today', 'overdue'] },
            at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: {
              items: { type: 'array', items: TASK_SCHEMA },
              nextCursor: NULLABLE_STRING,
            },
          },
        },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const page = pageRequest(request.query);
      if (page.after !== undefined && typeof page.after !== 'string')
        throw new InputError([
          {
            path: 'query.cursor',
            message: 'is not a cursor of this list; pass `nextCursor` unchanged',
          },
        ]);
      const q = request.query;
      if (q.at !== undefined && !isLocalDate(q.at))
        throw new InputError([{ path: 'query.at', message: `\`${q.at}\` is not a real date` }]);
      const p = principalOf(request);
      const rows = await listTasks(deps, visibilityOf(request), p, {
        ...(q.assignee !== undefined ? { assignee: q.assignee } : {}),
        ...(q.due !== undefined ? { due: q.due } : {}),
        at: q.at ?? new Date(deps.clock.now()).toISOString().slice(0, 10),
        ...(page.after !== undefined ? { after: page.after } : {}),
        limit: page.limit,
      });
      return pageOf(rows, page, (t) => t.key);
    },
  );

  app.post<{ Params: { key: string }; Body: { note?: string } | undefined }>(
    '/tasks/:key/complete',
    {
      schema: {
        summary: 'Complete a task',
        description:
          'Marks an open task done with an optional note, as the caller: the task item goes ' +
          '`sent → delivered` (the task provider’s report) and the task row `done`, audited ' +
          'together. 409 when the task is not created yet (approve its item first) or is no ' +
          'longer open.',
        tags: ['tasks'],
        params: KEY_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { note: { type: 'string', minLength: 1, maxLength: 2000 } },
        },
        response: { 200: TASK_SCHEMA },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
      preHandler: WORKERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const p = principalOf(request);
      const note = request.body?.note;
      return completeTask(
        deps,
        visibilityOf(request),
        request.params.key,
        { userId: p.userId },
        note,
      );
    },
  );

  // Photos arrive as the raw image body (`Content-Type: image/jpeg` …), up to 10 MiB.
  app.addContentTypeParser(
    /^image\/[a-z0-9.+-]+$/i,
    { parseAs: 'buffer', bodyLimit: MAX_PHOTO_BYTES },
    (_request, body, done) => done(null, body),
  );

  const photoDeps = (deps: TasksApiDeps<unknown>) =>
    deps.photos && deps.documents
      ? { clock: deps.clock, tasks: deps.tasks, photos: deps.photos, documents: deps.documents }
      : undefined;
  const noPhotos = problem('unavailable', 'task photos are not wired into this server');
  const PHOTO_SCHEMA = {
    type: 'object',
    properties: {
      sha256: { type: 'string' },
      contentType: { type: 'string' },
      byteSize: { type: 'integer' },
      at: { type: 'string' },
      by: { type: 'string' },
    },
  } as const;

  app.post<{ Params: { key: string }; Body: Buffer }>(
    '/tasks/:key/photos',
    {
      schema: {
        summary: 'Add a photo to a task',
        description:
          `The cut-lock inventory's evidence: the raw picture as the body, with its type ` +
          `(${PHOTO_TYPES.join(', ')}), up to 10 MiB. Stored content-addressed and audited.`,
        tags: ['tasks'],
        params: KEY_PARAMS,
        response: { 201: PHOTO_SCHEMA },
      },
      preHandler: WORKERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      const pd = deps && photoDeps(deps);
      if (!pd) return sendProblem(reply, noPhotos);
      if (!Buffer.isBuffer(request.body))
        throw new InputError([
          { path: 'content-type', message: `send the photo as ${PHOTO_TYPES.join(', ')}` },
        ]);
      const photo = await attachTaskPhoto(
        pd,
        visibilityOf(request),
        request.params.key,
        { bytes: request.body, contentType: request.headers['content-type'] ?? '' },
        { userId: principalOf(request).userId },
      );
      return reply.code(201).send(photo);
    },
  );

  app.get<{ Params: { key: string } }>(
    '/tasks/:key/photos',
    {
      schema: {
        summary: 'The photos of a task',
        tags: ['tasks'],
        params: KEY_PARAMS,
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: PHOTO_SCHEMA } } },
        },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      const pd = deps && photoDeps(deps);
      if (!pd) return sendProblem(reply, noPhotos);
      return { items: await taskPhotos(pd, visibilityOf(request), request.params.key) };
    },
  );

  app.get<{ Params: { key: string; sha256: string } }>(
    '/tasks/:key/photos/:sha256',
    {
      schema: {
        summary: 'One photo of a task (the picture itself)',
        tags: ['tasks'],
        params: {
          type: 'object',
          required: ['key', 'sha256'],
          properties: {
            key: { type: 'string', minLength: 1, maxLength: 512 },
            sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          },
        },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      const pd = deps && photoDeps(deps);
      if (!pd) return sendProblem(reply, noPhotos);
      const photo = await taskPhotoBytes(
        pd,
        visibilityOf(request),
        request.params.key,
        request.params.sha256,
      );
      return reply
        .type(photo.contentType)
        .header('cache-control', 'private, max-age=31536000, immutable')
        .header('content-security-policy', "default-src 'none'")
        .send(Buffer.from(photo.bytes));
    },
  );
};
