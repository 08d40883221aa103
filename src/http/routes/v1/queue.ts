/**
 * The outbox and the approval queue (SPEC 9, R13), scoped to the caller's organisation:
 *
 *   GET   /api/v1/outbox?status=&leaseId=&cursor=&limit=   every item (`outbox --json` rows)
 *   GET   /api/v1/queue?stage=&propertyId=                 drafts awaiting approval
 *   POST  /api/v1/queue/{key}/approve   {version?}         approve one draft
 *   POST  /api/v1/queue/approve         {keys?, stage?, propertyId?}   approve in bulk
 *   POST  /api/v1/queue/{key}/reject    {reason}
 *   PATCH /api/v1/queue/{key}           {subject?, body?, version}     edit a draft
 *
 * The same use cases as `arrears queue / approve / reject / edit` (app/approve-action.ts,
 * reject-action.ts, edit-draft.ts); the acting user is the caller (the user of the API
 * token). Reading needs a staff role or auditor; deciding needs manager, collections, legal
 * or finance (admins always). A refusal (two-person rule, gate not passed, edited meanwhile,
 * not a draft) is problem+json with the use case's message: 409 for conflicts, 403 for
 * roles. A key of another organisation is 404, like one that does not exist.
 *
 * The composition root hands the stores over with `provideQueueApi(deps)`, registered
 * before API_V1_ROUTES; without it these routes answer 503.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  approveActions,
  type ApprovalDeps,
  type ApproveResult,
  type ApproveTarget,
  type Refused,
} from '../../../app/approve-action.js';
import { editDraft } from '../../../app/edit-draft.js';
import { draftText, outboxItemJson, queueEntryJson } from '../../../app/outbox-view.js';
import type { JsonObject, OutboxStatus } from '../../../app/ports/outbox.js';
import type { PortfolioStore } from '../../../app/ports/portfolio.js';
import type { User } from '../../../app/ports/users.js';
import { rejectAction } from '../../../app/reject-action.js';
import { AppError, InputError } from '../../../domain/errors.js';
import { OUTBOX_STATUSES } from '../../../domain/outbox/states.js';
import { principalOf, requireRole } from '../../auth.js';
import { limitOf, onlyVisible, visibleLeaseIds } from './scope.js';
import {
  encodeCursor,
  pageOf,
  pageRequest,
  PAGE_QUERY_SCHEMA,
  pageSchema,
} from '../../pagination.js';
import { problem, sendProblem, type Problem } from '../../problem.js';
import { provided } from './provided.js';

export interface QueueApiDeps<Tx> extends ApprovalDeps<Tx> {
  /** Names the queue's leases, tenants and properties (optional: ids only without it). */
  portfolio?: Pick<PortfolioStore, 'loadPortfolio'>;
}

const api = provided<QueueApiDeps<unknown>>('arrearsQueueApi');

/**
 * Hands the queue API its stores: a plugin to register (before API_V1_ROUTES) in
 * `AppDeps.apiRoutes`, e.g. `apiRoutes: [provideQueueApi(deps), ...API_V1_ROUTES]`.
 */
export function provideQueueApi<Tx>(deps: QueueApiDeps<Tx>): FastifyPluginAsync {
  return api.provide(deps as QueueApiDeps<unknown>);
}

const depsOf = (app: FastifyInstance) => api.of(app);

const READERS = requireRole('manager', 'collections', 'legal', 'finance', 'auditor');
const DECIDERS = requireRole('manager', 'collections', 'legal', 'finance');

const unavailable = problem(
  'unavailable',
  'the outbox and the approval queue are not wired into this server (see provideQueueApi)',
);

const NULLABLE_STRING = { type: ['string', 'null'] } as const;
const NULLABLE_INTEGER = { type: ['integer', 'null'] } as const;

/** SPEC 9 `outbox --json` item. */
export const OUTBOX_ITEM_PROPERTIES = {
  key: { type: 'string', description: 'R7 idempotency key (the delivery sub-key).' },
  leaseId: { type: 'string' },
  episode: { type: 'integer' },
  stage: { type: 'string' },
  action: { type: 'string' },
  type: { type: 'string', description: 'message, document, fee, task, escalate …' },
  channel: NULLABLE_STRING,
  method: NULLABLE_STRING,
  contactId: NULLABLE_STRING,
  status: { type: 'string', enum: [...OUTBOX_STATUSES] },
  reason: NULLABLE_STRING,
  policyId: NULLABLE_STRING,
  policyVersion: NULLABLE_INTEGER,
  amountCents: NULLABLE_INTEGER,
  pastDueCents: NULLABLE_INTEGER,
  approvalsRequired: { type: 'integer' },
  version: { type: 'integer', description: 'Current draft version; approvals are for one.' },
  dueAt: { type: 'string', format: 'date-time' },
  attempts: { type: 'integer' },
  provider: NULLABLE_STRING,
  providerId: NULLABLE_STRING,
  createdAt: { type: 'string', format: 'date-time' },
  updatedAt: { type: 'string', format: 'date-time' },
} as const;

export const OUTBOX_ITEM_SCHEMA = {
  type: 'object',
  required: ['key', 'leaseId', 'episode', 'stage', 'action', 'type', 'status', 'version'],
  properties: OUTBOX_ITEM_PROPERTIES,
} as const;

const APPROVAL_SCHEMA = {
  type: 'object',
  required: ['userId', 'at'],
  properties: { userId: { type: 'string' }, email: NULLABLE_STRING, at: { type: 'string' } },
} as const;

const QUEUE_ITEM_SCHEMA = {
  type: 'object',
  required: ['key', 'version', 'approvals', 'required', 'needs'],
  properties: {
    ...OUTBOX_ITEM_PROPERTIES,
    propertyId: NULLABLE_STRING,
    approvals: {
      type: 'array',
      items: APPROVAL_SCHEMA,
      description: 'Approvals of the current version.',
    },
    required: { type: 'integer', description: 'Approvals it needs in all (1 or 2).' },
    needs: { type: 'integer', description: 'Approvals still missing.' },
    subject: { ...NULLABLE_STRING, description: 'The rendered subject (e-mail), if any.' },
    body: { ...NULLABLE_STRING, description: 'The rendered text that will be sent, if any.' },
    lease: {
      type: ['object', 'null'],
      properties: { id: { type: 'string' }, unit: { type: 'string' } },
    },
    tenant: {
      type: ['object', 'null'],
      description: 'The contact it goes to (else the lease’s first tenant).',
      properties: { id: { type: 'string' }, name: { type: 'string' } },
    },
    property: {
      type: ['object', 'null'],
      properties: { id: { type: 'string' }, name: { type: 'string' } },
    },
  },
} as const;

const DECISION_ENTRY = {
  type: 'object',
  required: ['key', 'version'],
  properties: {
    key: { type: 'string' },
    version: { type: 'integer' },
    approvals: { type: 'integer' },
    required: { type: 'integer' },
  },
} as const;

const APPROVE_RESULT_SCHEMA = {
  type: 'object',
  required: ['user', 'approved', 'pending', 'waiting', 'refused'],
  properties: {
    user: {
      type: 'object',
      properties: { email: { type: 'string' }, role: { type: 'string' } },
    },
    approved: { type: 'array', items: DECISION_ENTRY, description: 'Now approved.' },
    pending: {
      type: 'array',
      items: DECISION_ENTRY,
      description: 'Approval recorded; another (different) approver is needed.',
    },
    waiting: {
      type: 'array',
      items: DECISION_ENTRY,
      description: 'Bulk: drafts this user already approved, waiting for someone else.',
    },
    refused: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'code', 'message'],
        properties: {
          key: { type: 'string' },
          code: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

const KEY_PARAMS = {
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', minLength: 1, maxLength: 500 } },
} as const;

const ID = { type: 'string', minLength: 1, maxLength: 200 } as const;

/** The user the caller's token stands for, as the use cases know users. */
async function actingUser(deps: QueueApiDeps<unknown>, request: FastifyRequest): Promise<User> {
  const p = principalOf(request);
  const user =
    (await deps.users.getById(p.orgId, p.userId)) ??
    (await deps.users.findByEmail(p.orgId, p.email));
  if (!user)
    throw new AppError('forbidden', `${p.email} is not a user of this organisation any more`);
  return user;
}

function refusalProblem(r: Refused): Problem {
  return problem(r.code, r.message, { key: r.key });
}

/** The item exists in the caller's organisation and belongs to a property it may see. */
async function isVisible(
  deps: QueueApiDeps<unknown>,
  orgId: string,
  key: string,
  request: FastifyRequest,
): Promise<boolean> {
  const item = await deps.outbox.get(orgId, key);
  if (!item) return false;
  if (limitOf(request) === null) return true;
  if (!deps.portfolio) return false;
  return (await visibleLeaseIds(deps.portfolio, request, [item.leaseId]))!.has(item.leaseId);
}

/** 404 for a key this organisation does not have (another organisation's included). */
async function assertExists(
  deps: QueueApiDeps<unknown>,
  orgId: string,
  key: string,
  request: FastifyRequest,
) {
  if (!(await isVisible(deps, orgId, key, request)))
    throw new AppError(
      'not_found',
      `no outbox item ${key}; GET /api/v1/queue lists the drafts awaiting approval`,
    );
}

function approveJson(user: User, result: ApproveResult) {
  return { user: { email: user.email, role: user.role }, ...result };
}

export const queueRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { status?: string; leaseId?: string; limit?: number; cursor?: string } }>(
    '/outbox',
    {
      schema: {
        summary: 'Outbox items',
        description:
          'Every outbox item (one per delivery) by creation time then key: key, status, ' +
          'reason, channel and times, as `arrears outbox --json` prints them (no content). ' +
          '`status` takes one or more comma-separated statuses.',
        tags: ['outbox'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...PAGE_QUERY_SCHEMA.properties,
            status: {
              type: 'string',
              pattern: `^(${OUTBOX_STATUSES.join('|')})(,(${OUTBOX_STATUSES.join('|')}))*$`,
              description: `One or more of ${OUTBOX_STATUSES.join(', ')}, comma-separated.`,
            },
            leaseId: ID,
          },
        },
        response: { 200: pageSchema(OUTBOX_ITEM_SCHEMA) },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { orgId } = principalOf(request);
      const page = pageRequest(request.query);
      if (page.after !== undefined && typeof page.after !== 'string')
        throw new InputError([
          {
            path: 'query.cursor',
            message: 'is not a cursor of this list; pass the `nextCursor` of the previous page',
          },
        ]);
      const q = request.query;
      const result = await deps.outbox.list(orgId, {
        limit: page.limit,
        ...(q.status !== undefined ? { status: q.status.split(',') as OutboxStatus[] } : {}),
        ...(q.leaseId !== undefined ? { leaseId: q.leaseId } : {}),
        ...(page.after !== undefined ? { cursor: page.after } : {}),
      });
      const items =
        limitOf(request) === null
          ? result.items
          : deps.portfolio
            ? await onlyVisible(deps.portfolio, request, result.items, (i) => i.leaseId)
            : [];
      return {
        items: items.map(outboxItemJson),
        nextCursor: result.nextCursor ? encodeCursor(result.nextCursor) : null,
      };
    },
  );

  app.get<{
    Querystring: { stage?: string; propertyId?: string; limit?: number; cursor?: string };
  }>(
    '/queue',
    {
      schema: {
        summary: 'Drafts awaiting approval',
        description:
          'Today’s queue, oldest due first: each draft with the approvals it has and needs ' +
          '(of its current `version`), the text that will be sent, the past-due amount it ' +
          'was drafted for, and its lease, tenant and property. Without `limit` the whole ' +
          'queue; with it a page and `nextCursor`.',
        tags: ['queue'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            stage: ID,
            propertyId: ID,
            limit: { type: 'integer', minimum: 1, maximum: 500 },
            cursor: { type: 'string', maxLength: 1024 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items'],
            properties: {
              items: { type: 'array', items: QUEUE_ITEM_SCHEMA },
              nextCursor: { type: ['string', 'null'] },
            },
          },
        },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { orgId } = principalOf(request);
      const { stage, propertyId } = request.query;
      const paged = request.query.limit !== undefined;
      const page = paged ? pageRequest(request.query, { maxLimit: 500 }) : undefined;
      const after = page?.after;
      if (
        after !== undefined &&
        !(Array.isArray(after) && typeof after[0] === 'string' && typeof after[1] === 'string')
      )
        throw new InputError([
          {
            path: 'query.cursor',
            message: 'is not a cursor of this list; pass the `nextCursor` unchanged',
          },
        ]);
      const limit = limitOf(request);
      const fetched = await deps.outbox.queue(orgId, {
        ...(stage !== undefined ? { stage } : {}),
        ...(propertyId !== undefined ? { propertyId } : {}),
        ...(limit !== null ? { propertyIds: limit } : {}),
        ...(page ? { limit: page.limit + 1 } : {}),
        ...(after ? { after: { dueAt: after[0] as string, key: after[1] as string } } : {}),
      });
      const out = page
        ? pageOf(fetched, page, (e) => [e.item.dueAt, e.item.key])
        : { items: fetched, nextCursor: null };
      const entries = out.items;
      const leaseIds = [...new Set(entries.map((e) => e.item.leaseId))];
      const portfolio =
        deps.portfolio && leaseIds.length > 0
          ? await deps.portfolio.loadPortfolio(orgId, leaseIds)
          : undefined;
      const leases = new Map(portfolio?.leases.map((l) => [l.id, l]));
      const tenants = new Map(portfolio?.tenants.map((t) => [t.id, t]));
      const properties = new Map(portfolio?.properties.map((p) => [p.id, p]));
      return {
        items: entries.map((e) => {
          const lease = leases.get(e.item.leaseId);
          const tenantId = e.item.contactId ?? lease?.tenantIds[0];
          const tenant = tenantId !== undefined ? tenants.get(tenantId) : undefined;
          const property = properties.get(e.propertyId ?? lease?.propertyId ?? '');
          return {
            ...queueEntryJson(e),
            ...draftText(e.item),
            lease: lease ? { id: lease.id, unit: lease.unit } : null,
            tenant: tenant ? { id: tenant.id, name: tenant.name } : null,
            property: property ? { id: property.id, name: property.name } : null,
          };
        }),
        ...(paged ? { nextCursor: out.nextCursor } : {}),
      };
    },
  );

  app.post<{ Body: { keys?: string[]; stage?: string; propertyId?: string } | undefined }>(
    '/queue/approve',
    {
      schema: {
        summary: 'Approve drafts in bulk',
        description:
          'Approves the drafts named by `keys`, else every draft of the queue (of one ' +
          '`stage` and/or `propertyId` when given). Each is decided on its own: the answer ' +
          'lists those approved, those waiting for a second approver, and those refused ' +
          'with why (a refusal does not stop the others).',
        tags: ['queue'],
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            keys: {
              type: 'array',
              minItems: 1,
              maxItems: 1000,
              items: { type: 'string', minLength: 1, maxLength: 500 },
            },
            stage: ID,
            propertyId: ID,
          },
        },
        response: { 200: APPROVE_RESULT_SCHEMA },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
      preHandler: DECIDERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { orgId } = principalOf(request);
      const body = request.body ?? {};
      if (body.keys !== undefined && (body.stage !== undefined || body.propertyId !== undefined))
        throw new InputError([
          { path: 'body.keys', message: 'name keys or filter by stage / propertyId, not both' },
        ]);
      const user = await actingUser(deps, request);
      let target: ApproveTarget;
      if (body.keys !== undefined) {
        const keys = [...new Set(body.keys)];
        const missing: string[] = [];
        for (const key of keys)
          if (!(await isVisible(deps, orgId, key, request))) missing.push(key);
        if (missing.length > 0)
          throw new InputError(
            missing.map((key) => ({ path: `body.keys: ${key}`, message: 'no outbox item' })),
          );
        target = { keys };
      } else if (limitOf(request) !== null) {
        // A caller limited to some properties approves only the drafts it can see.
        const limit = limitOf(request)!;
        const keys = (
          await deps.outbox.queue(orgId, {
            ...(body.stage !== undefined ? { stage: body.stage } : {}),
            ...(body.propertyId !== undefined ? { propertyId: body.propertyId } : {}),
          })
        )
          .filter((e) => e.propertyId !== null && limit.includes(e.propertyId))
          .filter((e) => !e.approvals.some((a) => a.userId === user.id))
          .map((e) => e.item.key);
        if (keys.length === 0)
          return approveJson(user, { approved: [], pending: [], waiting: [], refused: [] });
        target = { keys };
      } else
        target = {
          all: true,
          ...(body.stage !== undefined ? { stage: body.stage } : {}),
          ...(body.propertyId !== undefined ? { propertyId: body.propertyId } : {}),
        };
      return approveJson(user, await approveActions(deps, orgId, user, target));
    },
  );

  app.post<{ Params: { key: string }; Body: { version?: number } | undefined }>(
    '/queue/:key/approve',
    {
      schema: {
        summary: 'Approve a draft',
        description:
          'Records the caller’s approval of the current version; `version` (what the ' +
          'reviewer read) refuses with 409 when the draft was edited since. A draft needing ' +
          'two approvals stays in the queue (`pending`) until a different user approves it.',
        tags: ['queue'],
        params: KEY_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { version: { type: 'integer', minimum: 1 } },
        },
        response: { 200: APPROVE_RESULT_SCHEMA },
      },
      preValidation: async (request) => {
        request.body ??= {};
      },
      preHandler: DECIDERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { orgId } = principalOf(request);
      const { key } = request.params;
      await assertExists(deps, orgId, key, request);
      const user = await actingUser(deps, request);
      const version = request.body?.version;
      const result = await approveActions(deps, orgId, user, {
        keys: [key],
        ...(version !== undefined ? { version } : {}),
      });
      const refused = result.refused[0];
      if (refused) return sendProblem(reply, refusalProblem(refused));
      return approveJson(user, result);
    },
  );

  app.post<{ Params: { key: string }; Body: { reason: string } }>(
    '/queue/:key/reject',
    {
      schema: {
        summary: 'Reject a draft',
        description:
          'The item becomes `rejected` with the reason and is never dispatched (an approved ' +
          'item not yet dispatched can be stopped the same way).',
        tags: ['queue'],
        params: KEY_PARAMS,
        body: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } },
        },
        response: { 200: OUTBOX_ITEM_SCHEMA },
      },
      preHandler: DECIDERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { orgId } = principalOf(request);
      const { key } = request.params;
      const user = await actingUser(deps, request);
      if (request.body.reason.trim() === '')
        throw new InputError([{ path: 'body.reason', message: 'say why the draft is rejected' }]);
      await assertExists(deps, orgId, key, request);
      const result = await rejectAction(deps, orgId, user, key, request.body.reason);
      if (!result.ok) return sendProblem(reply, refusalProblem(result));
      return outboxItemJson(result.item);
    },
  );

  app.patch<{
    Params: { key: string };
    Body: { subject?: string; body?: string; version: number };
  }>(
    '/queue/:key',
    {
      schema: {
        summary: 'Edit a draft',
        description:
          'Changes the text that will be sent. The edit is a new version (audited with a ' +
          'diff); approvals are for one version, so it resets them, and an approved item ' +
          'goes back to `draft`. `version` is the one the editor read: 409 if it changed.',
        tags: ['queue'],
        params: KEY_PARAMS,
        body: {
          type: 'object',
          required: ['version'],
          additionalProperties: false,
          minProperties: 2,
          properties: {
            subject: { type: 'string', maxLength: 998 },
            body: { type: 'string', minLength: 1, maxLength: 100_000 },
            version: { type: 'integer', minimum: 1 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['key', 'version', 'changed'],
            properties: {
              ...OUTBOX_ITEM_PROPERTIES,
              changed: { type: 'boolean', description: 'False when the text was the same.' },
              subject: NULLABLE_STRING,
              body: NULLABLE_STRING,
            },
          },
        },
      },
      preHandler: DECIDERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { orgId } = principalOf(request);
      const { key } = request.params;
      const user = await actingUser(deps, request);
      const { version, ...text } = request.body;
      const changes: JsonObject = {};
      if (text.subject !== undefined) changes.subject = text.subject;
      if (text.body !== undefined) changes.body = text.body;
      await assertExists(deps, orgId, key, request);
      const result = await editDraft(deps, orgId, user, key, changes, { version });
      if (!result.ok) return sendProblem(reply, refusalProblem(result));
      return { ...outboxItemJson(result.item), changed: result.changed, ...draftText(result.item) };
    },
  );
};
