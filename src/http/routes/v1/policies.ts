/**
 * Policies for the policy editor (SPEC 3.3, 9 `policy validate / preview / apply / list`,
 * 10), scoped to the caller's organisation:
 *
 *   GET  /api/v1/policies                 current version of each policy, with its version count
 *   GET  /api/v1/policies/{id}            the current version as YAML source and parsed
 *   GET  /api/v1/policies/{id}/versions   every version, newest first, with its author
 *   POST /api/v1/policies/validate        {source, format?}  → {ok, errors: [{path, message}]}
 *   POST /api/v1/policies/preview         {source, format?, leaseId, from?, days?}  the
 *                                         simulated timeline (default 90 days) of one lease
 *   POST /api/v1/policies/dry-run         {source, format?}  what changes for open cases
 *   POST /api/v1/policies                 {source, format?}  apply: a new version, with the
 *                                         caller as author
 *
 * Corporate policy or property override (app/policy-scope.ts): the policy model has no
 * such flag, so a policy whose `appliesTo.propertyIds` names properties is an override of
 * those properties and any other is corporate. Admins apply any policy; a manager applies
 * only overrides of properties it sees (403 otherwise, also for an id that is already a
 * corporate policy). Overrides of properties the caller does not see are not listed (404 by
 * id). Reading: every role. Validate and preview: admin, manager, collections, legal,
 * finance. Dry run and apply: admin, manager. `format` is yaml or json; without it JSON is
 * tried, then YAML. Stores come through `providePoliciesApi(deps)`; without it: 503.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { applyPolicyAs } from '../../../app/edit-policy.js';
import { checkPolicySource } from '../../../app/policy-source.js';
import type { ApplyPolicyDeps } from '../../../app/apply-policy.js';
import { DEFAULT_PREVIEW_DAYS, previewPolicy } from '../../../app/preview-policy.js';
import { listPolicies, policyDetail, policyVersions } from '../../../app/view-policies.js';
import { isLocalDate } from '../../../domain/dates.js';
import { InputError } from '../../../domain/errors.js';
import type { PolicyFormat } from '../../../domain/policy/read.js';
import { principalOf, requireRole } from '../../auth.js';
import { pageOf, pageRequest, PAGE_QUERY_SCHEMA, type PageRequest } from '../../pagination.js';
import { problem, sendProblem } from '../../problem.js';
import { visibilityOf } from './leases.js';
import { provided } from './provided.js';

export type PoliciesApiDeps = ApplyPolicyDeps;

const api = provided<PoliciesApiDeps>('arrearsPoliciesApi');

/** Hands the policies API its stores (register before API_V1_ROUTES). */
export const providePoliciesApi = api.provide;

const depsOf = (app: FastifyInstance) => api.of(app);

const CHECKERS = requireRole('manager', 'collections', 'legal', 'finance');
const EDITORS = requireRole('manager');

const unavailable = problem(
  'unavailable',
  'policies are not wired into this server (see providePoliciesApi)',
);

const NULLABLE_STRING = { type: ['string', 'null'] } as const;
const OBJECT = { type: 'object', additionalProperties: true } as const;
const SOURCE = {
  type: 'string',
  minLength: 1,
  maxLength: 1_000_000,
  description: 'The policy file’s text (SPEC 3.3), YAML or JSON.',
} as const;
const FORMAT = {
  type: 'string',
  enum: ['yaml', 'json'],
  description: 'How `source` is written; without it JSON is tried, then YAML.',
} as const;

const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const SUMMARY_PROPERTIES = {
  id: { type: 'string' },
  version: { type: 'integer' },
  name: NULLABLE_STRING,
  appliesTo: OBJECT,
  mode: { type: 'string', enum: ['supervised', 'assisted', 'autopilot'] },
  stages: { type: 'integer', description: 'Number of stages.' },
  author: { type: 'string' },
  createdAt: { type: 'string' },
  scope: {
    type: 'string',
    enum: ['corporate', 'override'],
    description: '`override`: appliesTo names propertyIds; `corporate`: any other policy.',
  },
} as const;

const POLICY_ROW_SCHEMA = {
  type: 'object',
  required: ['id', 'version', 'scope', 'versions'],
  properties: {
    ...SUMMARY_PROPERTIES,
    versions: { type: 'integer', description: 'How many versions are stored.' },
  },
} as const;

const NEXT_ACTION = {
  type: ['object', 'null'],
  properties: {
    date: { type: 'string' },
    stage: { type: 'string' },
    action: { type: 'string' },
    key: { type: 'string' },
  },
} as const;

const APPLY_RESULT_SCHEMA = {
  type: 'object',
  required: ['stored', 'policyId', 'version', 'openCases'],
  properties: {
    stored: { type: 'boolean', description: 'False for a dry run.' },
    policyId: { type: 'string' },
    version: { type: 'integer', description: 'The version it was (or would be) stored as.' },
    openCases: {
      type: 'array',
      description:
        'Open cases the policy governs (before or after): the next action now and with this version.',
      items: {
        type: 'object',
        properties: {
          leaseId: { type: 'string' },
          episode: { type: 'integer' },
          before: NEXT_ACTION,
          after: NEXT_ACTION,
        },
      },
    },
  },
} as const;

const SOURCE_BODY = {
  type: 'object',
  required: ['source'],
  additionalProperties: false,
  properties: { source: SOURCE, format: FORMAT },
} as const;

function idCursor(page: PageRequest): string | undefined {
  if (page.after === undefined) return undefined;
  if (typeof page.after === 'string') return page.after;
  throw new InputError([
    { path: 'query.cursor', message: 'is not a cursor of this list; pass `nextCursor` unchanged' },
  ]);
}

function versionCursor(page: PageRequest): number | undefined {
  if (page.after === undefined) return undefined;
  if (typeof page.after === 'number') return page.after;
  throw new InputError([
    { path: 'query.cursor', message: 'is not a cursor of this list; pass `nextCursor` unchanged' },
  ]);
}

const notFound = (id: string) =>
  problem('not_found', `no policy ${id}; GET /api/v1/policies lists the policies you can see`);

export const policiesRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { limit?: number; cursor?: string } }>(
    '/policies',
    {
      schema: {
        summary: 'Policies',
        description:
          'The current version of each stored policy, by id, with how many versions it has ' +
          'and whether it is corporate or a property override (`arrears policy list`).',
        tags: ['policies'],
        querystring: PAGE_QUERY_SCHEMA,
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: {
              items: { type: 'array', items: POLICY_ROW_SCHEMA },
              nextCursor: NULLABLE_STRING,
            },
          },
        },
      },
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const page = pageRequest(request.query);
      const after = idCursor(page);
      const rows = (await listPolicies(deps.policies, visibilityOf(request)))
        .filter((p) => after === undefined || p.id > after)
        .slice(0, page.limit + 1);
      return pageOf(rows, page, (p) => p.id);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/policies/:id',
    {
      schema: {
        summary: 'A policy’s current version',
        description:
          'The current version: its summary, the policy as YAML `source` to edit (defaults ' +
          'written out; the text as first sent is not kept) and `policy`, the parsed form.',
        tags: ['policies'],
        params: ID_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['id', 'version', 'source', 'policy'],
            properties: {
              ...POLICY_ROW_SCHEMA.properties,
              format: { type: 'string', enum: ['yaml'] },
              source: { type: 'string' },
              policy: OBJECT,
            },
          },
        },
      },
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { id } = request.params;
      const detail = await policyDetail(deps.policies, visibilityOf(request), id);
      if (!detail) return sendProblem(reply, notFound(id));
      return detail;
    },
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: number; cursor?: string } }>(
    '/policies/:id/versions',
    {
      schema: {
        summary: 'Every version of a policy',
        description: 'Newest first, each with its author and when it was stored.',
        tags: ['policies'],
        params: ID_PARAMS,
        querystring: PAGE_QUERY_SCHEMA,
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: {
              items: { type: 'array', items: { type: 'object', properties: SUMMARY_PROPERTIES } },
              nextCursor: NULLABLE_STRING,
            },
          },
        },
      },
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { id } = request.params;
      const page = pageRequest(request.query);
      const before = versionCursor(page);
      const versions = await policyVersions(deps.policies, visibilityOf(request), id);
      if (!versions) return sendProblem(reply, notFound(id));
      const rows = versions
        .filter((v) => before === undefined || v.version < before)
        .slice(0, page.limit + 1);
      return pageOf(rows, page, (v) => v.version);
    },
  );

  app.post<{ Body: { source: string; format?: PolicyFormat; asOf?: string } }>(
    '/policies/validate',
    {
      schema: {
        summary: 'Validate a policy',
        description:
          'Checks policy text as `arrears policy validate` does and answers 200 either way: ' +
          '`ok`, and every error found (up to 50) with its path in the policy (e.g. ' +
          '`stages[1] (pre-lien).actions[0].amountCents`, or `line 3, column 5` for syntax) ' +
          'and how to fix it. `asOf` checks the jurisdiction rules in force on that date.',
        tags: ['policies'],
        body: {
          type: 'object',
          required: ['source'],
          additionalProperties: false,
          properties: {
            source: SOURCE,
            format: FORMAT,
            asOf: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['ok', 'policy', 'errors'],
            properties: {
              ok: { type: 'boolean' },
              valid: { type: 'boolean', description: 'Same as `ok` (the CLI’s name).' },
              policy: {
                type: ['object', 'null'],
                properties: { id: { type: 'string' }, version: { type: 'integer' } },
              },
              stages: { type: 'integer' },
              errors: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['path', 'message'],
                  properties: { path: { type: 'string' }, message: { type: 'string' } },
                },
              },
            },
          },
        },
      },
      preHandler: CHECKERS,
    },
    async (request, reply) => {
      if (!depsOf(app)) return sendProblem(reply, unavailable);
      const { source, format, asOf } = request.body;
      if (asOf !== undefined && !isLocalDate(asOf))
        throw new InputError([{ path: 'body.asOf', message: `\`${asOf}\` is not a real date` }]);
      const { parsed: _parsed, ...check } = checkPolicySource(source, format, asOf);
      return { ...check, valid: check.ok };
    },
  );

  app.post<{
    Body: { source: string; format?: PolicyFormat; leaseId: string; from?: string; days?: number };
  }>(
    '/policies/preview',
    {
      schema: {
        summary: 'Preview a policy on one lease',
        description:
          'The day-by-day timeline (as `arrears simulate --json` prints it: actions, ' +
          'episodes, events) of one stored lease from `from` (default: its local today) for ' +
          `\`days\` days (default ${DEFAULT_PREVIEW_DAYS}), with this policy applied in place ` +
          'of its current version among the stored ones. `policy` is the one that governs the ' +
          'lease then; `candidate.governs` says whether it is this one. Nothing is stored. ' +
          'An invalid policy is 400 with every error under `body.source`.',
        tags: ['policies'],
        body: {
          type: 'object',
          required: ['source', 'leaseId'],
          additionalProperties: false,
          properties: {
            source: SOURCE,
            format: FORMAT,
            leaseId: { type: 'string', minLength: 1, maxLength: 200 },
            from: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
            days: { type: 'integer', minimum: 1, maximum: 366, default: DEFAULT_PREVIEW_DAYS },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['leaseId', 'from', 'to', 'actions', 'episodes', 'events'],
            properties: {
              leaseId: { type: 'string' },
              from: { type: 'string' },
              to: { type: 'string' },
              policy: {
                type: ['object', 'null'],
                properties: {
                  id: { type: 'string' },
                  version: { type: 'integer' },
                  why: { type: 'string' },
                },
              },
              candidate: {
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  version: { type: 'integer' },
                  governs: { type: 'boolean' },
                },
              },
              actions: { type: 'array', items: OBJECT },
              episodes: { type: 'array', items: OBJECT },
              events: { type: 'array', items: OBJECT },
            },
          },
        },
      },
      preHandler: CHECKERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const b = request.body;
      if (b.from !== undefined && !isLocalDate(b.from))
        throw new InputError([{ path: 'body.from', message: `\`${b.from}\` is not a real date` }]);
      return previewPolicy(deps, visibilityOf(request), {
        source: b.source,
        ...(b.format !== undefined ? { format: b.format } : {}),
        leaseId: b.leaseId,
        ...(b.from !== undefined ? { from: b.from } : {}),
        ...(b.days !== undefined ? { days: b.days } : {}),
      });
    },
  );

  const apply = (dryRun: boolean) =>
    async function (
      request: FastifyRequest<{ Body: { source: string; format?: PolicyFormat } }>,
      reply: FastifyReply,
    ) {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const p = principalOf(request);
      const { source, format } = request.body;
      const result = await applyPolicyAs(
        deps,
        { ...visibilityOf(request), role: p.role, author: p.email },
        { source, ...(format !== undefined ? { format } : {}), dryRun },
      );
      return reply.code(result.stored ? 201 : 200).send(result);
    };

  app.post<{ Body: { source: string; format?: PolicyFormat } }>(
    '/policies/dry-run',
    {
      schema: {
        summary: 'What applying a policy would change',
        description:
          'Validates the policy and lists, for each open case it would govern (or governed ' +
          'before) that the caller can see, the next action now and with the new version ' +
          '(`arrears policy apply --dry-run`). Stores nothing.',
        tags: ['policies'],
        body: SOURCE_BODY,
        response: { 200: APPLY_RESULT_SCHEMA },
      },
      preHandler: EDITORS,
    },
    apply(true),
  );

  app.post<{ Body: { source: string; format?: PolicyFormat } }>(
    '/policies',
    {
      schema: {
        summary: 'Apply a policy',
        description:
          'Validates and stores the policy as the next version of its id (version 1 when ' +
          'new) with the caller as author, audited; open cases continue under it from their ' +
          'next evaluation. Admins apply any policy; managers only overrides of their ' +
          'properties (appliesTo.propertyIds), 403 otherwise.',
        tags: ['policies'],
        body: SOURCE_BODY,
        response: { 201: APPLY_RESULT_SCHEMA },
      },
      preHandler: EDITORS,
    },
    apply(false),
  );
};
