/**
 * Recording events and reading a lease's holds (SPEC 3.1 `events`, R8, R12), scoped to the
 * caller's organisation and properties:
 *
 *   POST /api/v1/events          the `events` array exactly as `arrears event FILE` takes it
 *                                (an array, or {"events": [...]}): replies, deliveries,
 *                                holds, releases, promises, payment plans, disputes, flags,
 *                                status changes, closes, approve / reject …
 *   GET  /api/v1/holds?leaseId=&at=   the lease's holds, promises, plans and disputes —
 *                                in force and past — and the events that placed them
 *
 * The same use case as the CLI (app/record-events.ts, through record-events-scoped.ts):
 * events are validated all-or-nothing, every problem named by its path (`body[2].until`),
 * deduplicated by content, audited (`events.recorded`) and the leases they reach marked
 * for the next scan. Each event must reach only leases the caller sees: a lease, tenant or
 * property outside them is reported like one that does not exist.
 *
 * Recording: admin, manager, collections, legal or finance. Reading holds: every role
 * (read-only roles may GET only). Stores come through `provideEventsApi(deps)`; without it
 * these routes answer 503.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { noLease } from '../../../app/lease-access.js';
import { leaseHolds, type LeaseHoldsDeps } from '../../../app/lease-holds.js';
import { recordEventsFor, type ScopedEventDeps } from '../../../app/record-events-scoped.js';
import { isLocalDate } from '../../../domain/dates.js';
import { InputError } from '../../../domain/errors.js';
import { portfolioEvent, type PortfolioEvent } from '../../../domain/portfolio/schema.js';
import { zodIssuesToInputIssues } from '../../../domain/validation.js';
import { principalOf, requireRole } from '../../auth.js';
import { problem, sendProblem } from '../../problem.js';
import { visibilityOf } from './leases.js';
import { provided } from './provided.js';

export type EventsApiDeps = ScopedEventDeps & LeaseHoldsDeps;

const api = provided<EventsApiDeps>('arrearsEventsApi');

/** Hands the events API its stores (register before API_V1_ROUTES). */
export const provideEventsApi = api.provide;

const depsOf = (app: FastifyInstance) => api.of(app);

const RECORDERS = requireRole('manager', 'collections', 'legal', 'finance');

const unavailable = problem(
  'unavailable',
  'events and holds are not wired into this server (see provideEventsApi)',
);

const NULLABLE_STRING = { type: ['string', 'null'] } as const;
const OBJECT = { type: 'object', additionalProperties: true } as const;
const MAX_EVENTS = 1000;

const EVENT_ITEM = {
  type: 'object',
  required: ['type', 'date'],
  description:
    'One SPEC 3.1 event: `type` (reply, delivery, hold, release, promise, plan, dispute, ' +
    'flag, status, auction_completed, close, approve, reject), `date` (local), `leaseId` ' +
    '(or `tenantId` / `propertyId`) and the fields of its type.',
  additionalProperties: true,
} as const;

const events = z.array(portfolioEvent);

/** The body as the CLI reads a file: an array of events, or `{"events": [...]}`. */
function parseBody(body: unknown): PortfolioEvent[] {
  const wrapped =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  const list: unknown = wrapped ? wrapped.events : body;
  const prefix = wrapped ? 'body.events' : 'body';
  if (wrapped) {
    const extra = Object.keys(wrapped).filter((k) => k !== 'events');
    if (extra.length > 0)
      throw new InputError(
        extra.map((k) => ({ path: `body.${k}`, message: 'is not a known field' })),
      );
  }
  if (!Array.isArray(list))
    throw new InputError([
      { path: prefix, message: 'must be an array of events, or {"events": [...]}' },
    ]);
  if (list.length > MAX_EVENTS)
    throw new InputError([
      { path: prefix, message: `has ${list.length} events; send at most ${MAX_EVENTS} at once` },
    ]);
  const r = events.safeParse(list);
  if (r.success) return r.data;
  throw new InputError(
    zodIssuesToInputIssues(r.error.issues, { input: list, schema: events, nouns: {} }).map((i) => ({
      ...i,
      path: i.path === '' ? prefix : `${prefix}${i.path.startsWith('[') ? '' : '.'}${i.path}`,
    })),
  );
}

const HOLD_SCHEMA = {
  type: 'object',
  required: ['type', 'scope', 'start', 'state', 'origin'],
  properties: {
    type: {
      type: 'string',
      description: 'dispute, promise, payment_plan, hardship, legal, bankruptcy, review …',
    },
    scope: { type: 'string', enum: ['lease', 'tenant', 'charge', 'property', 'organisation'] },
    chargeId: NULLABLE_STRING,
    start: { type: 'string', description: 'Local date it was placed.' },
    until: { ...NULLABLE_STRING, description: 'Last local date in force, if it has one.' },
    releasedOn: { ...NULLABLE_STRING, description: 'Local date a release ended it.' },
    state: {
      type: 'string',
      enum: ['active', 'settled', 'released', 'expired'],
      description:
        'On `at`: in force; settled (a promise kept or broken, a plan completed or broken: see its outcome); ended by a release; or past its `until`.',
    },
    origin: {
      type: 'string',
      description: 'What placed it: hold, promise, plan, dispute, status:…, reply:… .',
    },
    note: NULLABLE_STRING,
    promise: {
      type: ['object', 'null'],
      properties: {
        amountCents: { type: 'integer' },
        since: { type: 'string' },
        outcome: { ...NULLABLE_STRING, description: 'open, kept, broken or released.' },
      },
    },
    plan: {
      type: ['object', 'null'],
      properties: {
        installments: {
          type: 'array',
          items: {
            type: 'object',
            properties: { dueDate: { type: 'string' }, amountCents: { type: 'integer' } },
          },
        },
        since: { type: 'string' },
        outcome: { ...NULLABLE_STRING, description: 'open, completed, broken or released.' },
      },
    },
  },
} as const;

export const eventsRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Body: unknown }>(
    '/events',
    {
      schema: {
        summary: 'Record events',
        description:
          'Records SPEC 3.1 events as `arrears event FILE` does: all or nothing, every ' +
          'invalid field named by its path, an event already recorded counted as a ' +
          'duplicate. Answers how many were recorded and which leases the next scan ' +
          're-evaluates.',
        tags: ['events'],
        body: {
          anyOf: [
            { type: 'array', items: EVENT_ITEM },
            {
              type: 'object',
              required: ['events'],
              properties: { events: { type: 'array', items: EVENT_ITEM } },
            },
          ],
        },
        response: {
          200: {
            type: 'object',
            required: ['recorded', 'duplicates', 'leases'],
            properties: {
              recorded: { type: 'integer', description: 'Events new to the store.' },
              duplicates: { type: 'integer', description: 'Events already recorded.' },
              leases: {
                type: 'array',
                items: { type: 'string' },
                description: 'Leases whose data changed (the next scan evaluates them).',
              },
            },
          },
        },
      },
      preHandler: RECORDERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const list = parseBody(request.body);
      const prefix = Array.isArray(request.body) ? 'body' : 'body.events';
      const p = principalOf(request);
      let result;
      try {
        result = await recordEventsFor(deps, visibilityOf(request), list, `user:${p.userId}`);
      } catch (e) {
        if (e instanceof InputError)
          throw new InputError(
            e.issues.map(({ file: _f, ...i }) => ({ ...i, path: `${prefix}${i.path}` })),
          );
        throw e;
      }
      return {
        recorded: result.counts.events?.inserted ?? 0,
        duplicates: result.counts.events?.unchanged ?? 0,
        leases: result.changedLeaseIds,
      };
    },
  );

  app.get<{ Querystring: { leaseId: string; at?: string } }>(
    '/holds',
    {
      schema: {
        summary: 'A lease’s holds, promises, payment plans and disputes',
        description:
          'Every hold placed on the lease by its stored events up to `at` (default: the ' +
          'lease’s local today), whether each is active, released or expired on `at`, how ' +
          'promises and plans ended, and the hold, release, promise, plan, dispute and ' +
          'status events themselves (later-dated ones too).',
        tags: ['events'],
        querystring: {
          type: 'object',
          required: ['leaseId'],
          additionalProperties: false,
          properties: {
            leaseId: { type: 'string', minLength: 1, maxLength: 200 },
            at: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['leaseId', 'at', 'holds', 'events'],
            properties: {
              leaseId: { type: 'string' },
              at: { type: 'string' },
              holds: { type: 'array', items: HOLD_SCHEMA },
              events: { type: 'array', items: OBJECT },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { leaseId, at } = request.query;
      if (at !== undefined && !isLocalDate(at))
        throw new InputError([{ path: 'query.at', message: `\`${at}\` is not a real date` }]);
      const result = await leaseHolds(deps, visibilityOf(request), leaseId, at);
      if (!result) return sendProblem(reply, problem('not_found', noLease(leaseId)));
      return result;
    },
  );
};
