/**
 * Zapier REST hooks (SPEC 11; reference/connectors-messaging.md §8): our API is the trigger
 * source. The Zapier app's hook trigger calls, with the user's API token:
 *
 *   POST   /api/v1/hooks                {target_url, event}  → 201 {id, target_url, event}
 *   DELETE /api/v1/hooks/{id}                                → 204
 *   GET    /api/v1/hooks/sample?event=…                      → [one sample payload]
 *
 * `performSubscribe` keeps the 201 body as `subscribeData`; `performUnsubscribe` deletes
 * `subscribeData.id` (a subscription already deleted after a 410 answers 204 too);
 * `performList` shows the sample, which has exactly the keys of a live event. Events:
 * case.opened, case.closed, action.sent, action.failed, reply.received; the worker posts
 * them to the target URLs (app/publish-events.ts `publishEvents`).
 *
 * Subscribing and unsubscribing need the admin or manager role (a subscription sends
 * case data out of Arrears); the sample holds no data and any role may read it. The routes
 * get their store through `provideHooksApi(deps)`, registered before API_V1_ROUTES; a
 * server built without it (Zapier not enabled) answers 503.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import {
  HOOK_EVENTS,
  sampleHookEvents,
  subscribeHook,
  unsubscribeHook,
  type HooksDeps,
} from '../../../app/publish-events.js';
import { principalOf, requireRole } from '../../auth.js';
import { problem, sendProblem } from '../../problem.js';
import { provided } from './provided.js';

const api = provided<HooksDeps>('arrearsHooksApi');

/**
 * Hands the hooks API its store: a plugin to register (before API_V1_ROUTES) in
 * `AppDeps.apiRoutes`, e.g. `apiRoutes: [provideHooksApi(deps), ...API_V1_ROUTES]`.
 */
export function provideHooksApi(deps: HooksDeps): FastifyPluginAsync {
  return api.provide(deps);
}

const depsOf = (app: FastifyInstance) => api.of(app);

const SUBSCRIBERS = requireRole('manager');

const EVENT = {
  type: 'string',
  enum: [...HOOK_EVENTS],
  description: 'The event the target URL receives.',
} as const;

const SUBSCRIPTION_SCHEMA = {
  type: 'object',
  required: ['id', 'target_url', 'event'],
  properties: {
    id: { type: 'string', description: 'Unsubscribe with `DELETE /api/v1/hooks/{id}`.' },
    target_url: { type: 'string' },
    event: EVENT,
  },
} as const;

const unavailable = problem(
  'unavailable',
  'REST hooks are not enabled on this server (ARREARS_ZAPIER_ENABLED; see provideHooksApi)',
);

const callerOf = (p: { orgId: string; userId: string }) => ({ orgId: p.orgId, userId: p.userId });

export const hooksRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Body: { target_url: string; event: string } }>(
    '/hooks',
    {
      schema: {
        summary: 'Subscribe a REST hook',
        description:
          "Zapier's performSubscribe: from now on every `event` is POSTed as JSON to " +
          '`target_url` (https; http only for 127.0.0.1). A target answering 410 Gone is ' +
          'unsubscribed.',
        tags: ['hooks'],
        body: {
          type: 'object',
          required: ['target_url', 'event'],
          additionalProperties: false,
          properties: {
            target_url: { type: 'string', minLength: 1, maxLength: 2048 },
            event: EVENT,
          },
        },
        response: { 201: SUBSCRIPTION_SCHEMA },
      },
      preHandler: SUBSCRIBERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const s = await subscribeHook(deps, callerOf(principalOf(request)), request.body);
      reply.code(201);
      return { id: s.id, target_url: s.targetUrl, event: s.event };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/hooks/:id',
    {
      schema: {
        summary: 'Unsubscribe a REST hook',
        description: "Zapier's performUnsubscribe (the Zap was turned off or deleted).",
        tags: ['hooks'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 204: { type: 'null', description: 'Unsubscribed.' } },
      },
      preHandler: SUBSCRIBERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      await unsubscribeHook(deps, callerOf(principalOf(request)), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: { event: string } }>(
    '/hooks/sample',
    {
      schema: {
        summary: 'A sample event',
        description:
          "Zapier's performList: an array with one made-up event of exactly the keys a live " +
          'one has (ids, dates, codes; never a message body or contact detail).',
        tags: ['hooks'],
        querystring: {
          type: 'object',
          required: ['event'],
          properties: { event: EVENT },
        },
        response: {
          200: { type: 'array', items: { type: 'object', additionalProperties: true } },
        },
      },
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      return sampleHookEvents(deps, callerOf(principalOf(request)), request.query.event);
    },
  );
};
