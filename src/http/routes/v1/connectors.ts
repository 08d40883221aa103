/**
 * Connector health (SPEC 9 `arrears connectors list / test`, 10, 11):
 *
 *   GET  /api/v1/connectors             every connector: configured or not, what it sends,
 *                                       which settings are missing — never a secret's value
 *   POST /api/v1/connectors/{id}/test   a configured connector's cheap verify request
 *
 * The route knows connectors only through the two functions the composition root hands it
 * with `provideConnectorsApi({list, test})` (cli/commands/serve-api.ts builds them from
 * connectors/registry.ts), answering the shapes `connectors list --json` and
 * `connectors test ID --json` print for the caller's organisation (the environment, then
 * the settings `arrears connectors set` stored for it). The list is the fixed catalogue of SPEC 11 (not
 * paged). Listing: admin, manager, auditor. Testing: admin only; a failed verify is 200
 * with `ok: false`, an unknown id 404, an unconfigured connector 400 naming the settings
 * to set. Without the functions these answer 503.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { InputError } from '../../../domain/errors.js';
import { principalOf, requireRole } from '../../auth.js';
import { problem, sendProblem } from '../../problem.js';
import { provided } from './provided.js';

/** One row of `connectors list --json` (connectors/registry.ts `ConnectorListing`). */
export interface ConnectorRow {
  id: string;
  name: string;
  roles: string[];
  available: boolean;
  configured: boolean;
  missing: string[];
  sends: string[];
  webhook: boolean;
  baseUrl: string | null;
  /** Where each setting came from (`env`, `store` …), never its value. */
  sources: Record<string, unknown>;
}

export type ConnectorTest =
  | { outcome: 'unknown' }
  | { outcome: 'unavailable' }
  | { outcome: 'not_configured'; missing: string[] }
  | { outcome: 'ran'; ok: boolean; detail: string; latencyMs?: number };

export interface ConnectorsApiDeps {
  /** Every connector as configured for `orgId`. */
  list(orgId: string): ConnectorRow[] | Promise<ConnectorRow[]>;
  /** Runs connector `id`'s verify request with `orgId`'s settings. */
  test(id: string, orgId: string): Promise<ConnectorTest>;
}

const api = provided<ConnectorsApiDeps>('arrearsConnectorsApi');

/** Hands the connectors API its two functions (register before API_V1_ROUTES). */
export const provideConnectorsApi = api.provide;

const depsOf = (app: FastifyInstance) => api.of(app);

const READERS = requireRole('manager', 'auditor');
const ADMINS = requireRole();

const unavailable = problem(
  'unavailable',
  'connectors are not wired into this server (see provideConnectorsApi)',
);

const ROW_SCHEMA = {
  type: 'object',
  required: ['id', 'name', 'available', 'configured'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    available: { type: 'boolean', description: 'False for an id this build does not ship yet.' },
    configured: { type: 'boolean' },
    missing: {
      type: 'array',
      items: { type: 'string' },
      description: 'Environment variables still to set.',
    },
    sends: { type: 'array', items: { type: 'string' } },
    webhook: { type: 'boolean' },
    baseUrl: { type: ['string', 'null'] },
    sources: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Where each setting came from; never its value.',
    },
  },
} as const;

export const connectorsRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/connectors',
    {
      schema: {
        summary: 'Connectors and their configuration',
        description:
          'Every connector of SPEC 11, as `arrears connectors list --json` prints it: ' +
          'available in this build, configured, what it sends, the settings still missing ' +
          'and where the present ones came from (never their values).',
        tags: ['connectors'],
        response: {
          200: {
            type: 'object',
            required: ['connectors'],
            properties: { connectors: { type: 'array', items: ROW_SCHEMA } },
          },
        },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      return { connectors: await deps.list(principalOf(request).orgId) };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/connectors/:id/test',
    {
      schema: {
        summary: 'Test a connector',
        description:
          'Runs a configured connector’s verify request (credentials, reachability), as ' +
          '`arrears connectors test ID --json`: `ok`, a `detail` and the latency. A failed ' +
          'check is 200 with `ok: false`.',
        tags: ['connectors'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['id', 'ok', 'detail'],
            properties: {
              id: { type: 'string' },
              ok: { type: 'boolean' },
              detail: { type: 'string' },
              latencyMs: { type: 'integer' },
            },
          },
        },
      },
      preHandler: ADMINS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { id } = request.params;
      const result = await deps.test(id, principalOf(request).orgId);
      switch (result.outcome) {
        case 'unknown':
          return sendProblem(
            reply,
            problem('not_found', `no connector ${id}; GET /api/v1/connectors lists them`),
          );
        case 'unavailable':
          return sendProblem(
            reply,
            problem('not_found', `the ${id} connector is not available in this build`),
          );
        case 'not_configured':
          throw new InputError(
            result.missing.map((name) => ({
              path: name,
              message: `the ${id} connector is not configured: set ${name}`,
            })),
          );
        case 'ran':
          return {
            id,
            ok: result.ok,
            detail: result.detail,
            ...(result.latencyMs !== undefined ? { latencyMs: Math.round(result.latencyMs) } : {}),
          };
      }
    },
  );
};
