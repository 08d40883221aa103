/**
 * Tenant replies and the suggestions they made (SPEC R12, 10), scoped to the caller's
 * organisation and, for a caller limited to some properties (an owner, a manager of a few
 * buildings), to those properties: a reply or suggestion belongs to the property of the lease
 * it is threaded to; unmatched replies belong to none. Another property's suggestion answers
 * 404 like a missing one.
 *
 *   GET  /api/v1/replies?leaseId=&status=matched|unmatched   replies, oldest first (paged)
 *   GET  /api/v1/suggestions?status=open|confirmed|dismissed|all&leaseId=
 *   POST /api/v1/suggestions/{id}/confirm  {amountCents?, until?}
 *   POST /api/v1/suggestions/{id}/dismiss  {reason}
 *
 * Reading needs a staff role or auditor (not owner: tenants' messages are operational);
 * deciding needs manager, collections, legal or finance (admins always). The routes call
 * the use cases of app/confirm-suggestion.ts with the stores the composition root hands
 * over through `provideRepliesApi(deps)`, registered before API_V1_ROUTES; a server built
 * without it answers these routes 503.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import {
  confirmSuggestion,
  dismissSuggestion,
  listReplies,
  listSuggestions,
  type SuggestionOutcome,
} from '../../../app/confirm-suggestion.js';
import type {
  InboundDeps,
  StoredReply,
  SuggestionStatus,
  SuggestionView,
} from '../../../app/receive-reply.js';
import { InputError } from '../../../domain/errors.js';
import { principalOf, requireRole } from '../../auth.js';
import {
  pageOf,
  pageRequest,
  PAGE_QUERY_SCHEMA,
  pageSchema,
  type CursorKey,
  type PageRequest,
} from '../../pagination.js';
import { problem, sendProblem } from '../../problem.js';
import { provided } from './provided.js';
import { limitOf } from './scope.js';

const api = provided<InboundDeps<unknown>>('arrearsRepliesApi');

/**
 * Hands the replies API its stores: a plugin to register (before API_V1_ROUTES) in
 * `AppDeps.apiRoutes`, e.g. `apiRoutes: [provideRepliesApi(deps), ...API_V1_ROUTES]`.
 */
export function provideRepliesApi<Tx>(deps: InboundDeps<Tx>): FastifyPluginAsync {
  return api.provide(deps as InboundDeps<unknown>);
}

const depsOf = (app: FastifyInstance) => api.of(app);

const READERS = requireRole('manager', 'collections', 'legal', 'finance', 'auditor');
const DECIDERS = requireRole('manager', 'collections', 'legal', 'finance');

const OBJECT = { type: 'object', additionalProperties: true } as const;
const NULLABLE_STRING = { type: ['string', 'null'] } as const;
const NULLABLE_INTEGER = { type: ['integer', 'null'] } as const;

const REPLY_SCHEMA = {
  type: 'object',
  required: ['id', 'channel', 'text', 'receivedAt', 'intent', 'status'],
  properties: {
    id: { type: 'string' },
    leaseId: { ...NULLABLE_STRING, description: 'The lease it is threaded to.' },
    leaseIds: { type: 'array', items: { type: 'string' }, description: 'Every lease it reached.' },
    tenantId: NULLABLE_STRING,
    episode: { ...NULLABLE_INTEGER, description: 'The open case it was threaded to.' },
    channel: { type: 'string', enum: ['sms', 'email', 'chat', 'voice'] },
    from: { type: 'string' },
    to: NULLABLE_STRING,
    text: { type: 'string' },
    receivedAt: { type: 'string', format: 'date-time' },
    intent: { type: 'string', description: 'SPEC R12 intent.' },
    classification: { ...OBJECT, description: 'intents, language, amountCents, promisedDate …' },
    status: {
      type: 'string',
      enum: ['matched', 'unmatched'],
      description: '`unmatched`: no tenant has this number or address (exception list).',
    },
    provider: { type: 'string' },
    providerMessageId: { type: 'string' },
  },
} as const;

const SUGGESTION_SCHEMA = {
  type: 'object',
  required: ['id', 'replyId', 'leaseId', 'kind', 'status', 'proposal'],
  properties: {
    id: { type: 'string' },
    replyId: { type: 'string' },
    leaseId: { type: 'string' },
    tenantId: NULLABLE_STRING,
    episode: NULLABLE_INTEGER,
    kind: {
      type: 'string',
      enum: [
        'promise',
        'payment_plan',
        'dispute',
        'hardship',
        'paid_claim',
        'legal',
        'hostile',
        'wrong_number',
        'callback',
      ],
    },
    intent: { type: 'string' },
    channel: { type: 'string' },
    replyDate: { type: 'string', format: 'date' },
    proposal: { ...OBJECT, description: '{amountCents?, until?} as the classifier read them.' },
    status: { type: 'string', enum: ['open', 'confirmed', 'dismissed'] },
    text: { type: 'string', description: 'What the tenant wrote.' },
    receivedAt: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    decidedBy: NULLABLE_STRING,
    decidedAt: NULLABLE_STRING,
    decision: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

const OUTCOME_SCHEMA = {
  type: 'object',
  required: ['id', 'status', 'kind', 'leaseId', 'events', 'tasks'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['confirmed', 'dismissed'] },
    kind: { type: 'string' },
    leaseId: { type: 'string' },
    events: { type: 'array', items: OBJECT, description: 'SPEC 3.1 events recorded.' },
    tasks: { type: 'array', items: { type: 'string' }, description: 'Outbox keys of tasks.' },
    reason: NULLABLE_STRING,
    decidedBy: { type: 'string' },
    decidedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

function replyJson(r: StoredReply) {
  return {
    id: r.id,
    leaseId: r.leaseId,
    leaseIds: r.leaseIds,
    tenantId: r.tenantId,
    episode: r.episode,
    channel: r.channel,
    from: r.from,
    to: r.to,
    text: r.body,
    receivedAt: r.receivedAt,
    intent: r.intent,
    classification: r.classification,
    status: r.status,
    provider: r.provider,
    providerMessageId: r.providerMessageId,
  };
}

export function suggestionJson(s: SuggestionView) {
  return {
    id: s.id,
    replyId: s.replyId,
    leaseId: s.leaseId,
    tenantId: s.tenantId,
    episode: s.episode,
    kind: s.kind,
    intent: s.intent,
    channel: s.channel,
    replyDate: s.replyDate,
    proposal: s.proposal,
    status: s.status,
    text: s.text,
    receivedAt: s.receivedAt,
    createdAt: s.createdAt,
    decidedBy: s.decidedBy,
    decidedAt: s.decidedAt,
    decision: s.decision,
  };
}

function outcomeJson(o: SuggestionOutcome) {
  return { ...o, events: o.events as unknown as Record<string, unknown>[] };
}

/** The keyset position of a cursor: `[instant, id]`. */
function positionOf(page: PageRequest): [string, string] | undefined {
  const k: CursorKey | undefined = page.after;
  if (k === undefined) return undefined;
  if (Array.isArray(k) && k.length === 2 && typeof k[0] === 'string' && typeof k[1] === 'string')
    return [k[0], k[1]];
  throw new InputError([
    {
      path: 'query.cursor',
      message: 'is not a cursor of this list; pass the `nextCursor` of the previous page unchanged',
    },
  ]);
}

const unavailable = problem(
  'unavailable',
  'replies and suggestions are not wired into this server (see provideRepliesApi)',
);

export const repliesRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { leaseId?: string; status?: string; limit?: number; cursor?: string } }>(
    '/replies',
    {
      schema: {
        summary: 'Tenant replies',
        description:
          'Inbound messages, oldest first: of one lease (`leaseId`), or those from a sender ' +
          'no tenant matches (`status=unmatched`, the exception list).',
        tags: ['replies'],
        querystring: {
          type: 'object',
          properties: {
            ...PAGE_QUERY_SCHEMA.properties,
            leaseId: { type: 'string', minLength: 1 },
            status: { type: 'string', enum: ['matched', 'unmatched'] },
          },
        },
        response: { 200: pageSchema(REPLY_SCHEMA) },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { orgId } = principalOf(request);
      const page = pageRequest(request.query);
      const after = positionOf(page);
      const rows = await listReplies(deps, orgId, {
        limit: page.limit + 1,
        propertyIds: limitOf(request),
        ...(after ? { after } : {}),
        ...(request.query.leaseId !== undefined ? { leaseId: request.query.leaseId } : {}),
        ...(request.query.status === 'matched' || request.query.status === 'unmatched'
          ? { status: request.query.status }
          : {}),
      });
      const out = pageOf(rows, page, (r) => [r.receivedAt, r.id]);
      return { items: out.items.map(replyJson), nextCursor: out.nextCursor };
    },
  );

  app.get<{ Querystring: { status?: string; leaseId?: string; limit?: number; cursor?: string } }>(
    '/suggestions',
    {
      schema: {
        summary: 'Suggestions made by replies',
        description:
          'What replies suggested (a promise hold, a dispute, a task …), oldest first; ' +
          '`status` defaults to `open` (awaiting a decision), `all` lists every one.',
        tags: ['replies'],
        querystring: {
          type: 'object',
          properties: {
            ...PAGE_QUERY_SCHEMA.properties,
            status: { type: 'string', enum: ['open', 'confirmed', 'dismissed', 'all'] },
            leaseId: { type: 'string', minLength: 1 },
          },
        },
        response: { 200: pageSchema(SUGGESTION_SCHEMA) },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { orgId } = principalOf(request);
      const page = pageRequest(request.query);
      const after = positionOf(page);
      const status = request.query.status ?? 'open';
      const rows = await listSuggestions(deps, orgId, {
        status: status === 'all' ? undefined : (status as SuggestionStatus),
        limit: page.limit + 1,
        propertyIds: limitOf(request),
        ...(after ? { after } : {}),
        ...(request.query.leaseId !== undefined ? { leaseId: request.query.leaseId } : {}),
      });
      const out = pageOf(rows, page, (s) => [s.createdAt, s.id]);
      return { items: out.items.map(suggestionJson), nextCursor: out.nextCursor };
    },
  );

  app.post<{ Params: { id: string }; Body: { amountCents?: number; until?: string } | undefined }>(
    '/suggestions/:id/confirm',
    {
      schema: {
        summary: 'Confirm a suggestion',
        description:
          'Records the events it stands for (a promise hold, a dispute, a hardship hold …) ' +
          'and queues its task. `amountCents` and `until` correct what the reply said; a ' +
          'promise needs an `until` date.',
        tags: ['replies'],
        params: ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            amountCents: { type: 'integer', minimum: 1 },
            until: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          },
        },
        response: { 200: OUTCOME_SCHEMA },
      },
      // Confirming as suggested needs no body at all.
      preValidation: async (request) => {
        request.body ??= {};
      },
      preHandler: DECIDERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const p = principalOf(request);
      const body = request.body ?? {};
      const outcome = await confirmSuggestion(
        deps,
        p.orgId,
        request.params.id,
        { id: p.userId, email: p.email, role: p.role },
        {
          ...(body.amountCents !== undefined ? { amountCents: body.amountCents } : {}),
          ...(body.until !== undefined ? { until: body.until } : {}),
        },
        limitOf(request),
      );
      return outcomeJson(outcome);
    },
  );

  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/suggestions/:id/dismiss',
    {
      schema: {
        summary: 'Dismiss a suggestion',
        description:
          'Nothing is recorded but the decision; a dispute or review hold the reply placed ' +
          'is released.',
        tags: ['replies'],
        params: ID_PARAMS,
        body: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } },
        },
        response: { 200: OUTCOME_SCHEMA },
      },
      preHandler: DECIDERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const p = principalOf(request);
      const outcome = await dismissSuggestion(
        deps,
        p.orgId,
        request.params.id,
        { id: p.userId, email: p.email, role: p.role },
        request.body.reason,
        limitOf(request),
      );
      return outcomeJson(outcome);
    },
  );
};
