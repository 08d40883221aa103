/**
 * The audit log (SPEC 7) of the caller's organisation:
 *
 *   GET /api/v1/audit?subject=&type=&order=asc|desc&cursor=&limit=   entries, paged by seq
 *   GET /api/v1/audit/verify        the hash chain checked, as `arrears audit verify --json`
 *
 * Entries come whole (`seq, at, actor, type, subject, data, dataHash, prevHash, hash`), so a
 * client can re-check the hashes itself. A caller limited to some properties reads only
 * entries about their leases (`lease:…`, their outbox items and proofs of service). The
 * verification covers the caller's organisation only; a broken chain answers 200 with
 * `ok: false` and the first broken seq. Roles: admin, auditor, manager. Stores come through
 * `provideAuditApi(deps)`; without it these answer 503.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { readAudit, verifyAuditOf, type AuditLog } from '../../../app/read-audit.js';
import { InputError } from '../../../domain/errors.js';
import { principalOf, requireRole } from '../../auth.js';
import { pageOf, pageRequest, PAGE_QUERY_SCHEMA } from '../../pagination.js';
import { problem, sendProblem } from '../../problem.js';
import { visibilityOf } from './leases.js';
import { provided } from './provided.js';

export interface AuditApiDeps {
  audit: AuditLog;
}

const api = provided<AuditApiDeps>('arrearsAuditApi');

/** Hands the audit API its store (register before API_V1_ROUTES). */
export const provideAuditApi = api.provide;

const depsOf = (app: FastifyInstance) => api.of(app);

const READERS = requireRole('auditor', 'manager');

const unavailable = problem(
  'unavailable',
  'the audit log is not wired into this server (see provideAuditApi)',
);

const ENTRY_SCHEMA = {
  type: 'object',
  required: ['seq', 'at', 'actor', 'type', 'subject', 'dataHash', 'prevHash', 'hash'],
  properties: {
    seq: { type: 'integer', description: 'Position in the organisation’s chain (from 1).' },
    at: { type: 'string' },
    actor: { type: 'string', description: '`user:<id>`, `worker:…`, `system:…`, an e-mail …' },
    type: { type: 'string', description: 'e.g. outbox.planned, ledger.posted, policy.saved' },
    subject: { type: 'string', description: 'e.g. `lease:L1`, `outbox:<key>`, `policy:<id>`' },
    data: {
      description: 'The decision’s data (a tombstone after a lawful erasure).',
    },
    dataHash: { type: 'string' },
    prevHash: { type: 'string' },
    hash: { type: 'string' },
  },
} as const;

const VERIFY_SCHEMA = {
  type: 'object',
  required: ['ok', 'entries', 'organisations'],
  properties: {
    ok: { type: 'boolean' },
    entries: { type: 'integer', description: 'Entries verified intact.' },
    organisations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['orgId', 'ok', 'entries'],
        properties: {
          orgId: { type: 'string' },
          ok: { type: 'boolean' },
          entries: { type: 'integer' },
          seq: { type: 'integer', description: 'The first broken seq.' },
          reason: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

export const auditRoutes: FastifyPluginAsync = async (app) => {
  app.get<{
    Querystring: {
      subject?: string;
      type?: string;
      order?: 'asc' | 'desc';
      limit?: number;
      cursor?: string;
    };
  }>(
    '/audit',
    {
      schema: {
        summary: 'Audit log entries',
        description:
          'Entries of the organisation’s hash chain by `seq` (oldest first, or newest first ' +
          'with `order=desc`), filtered by exact `subject` (e.g. `lease:L1`) and `type`.',
        tags: ['audit'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...PAGE_QUERY_SCHEMA.properties,
            subject: { type: 'string', minLength: 1, maxLength: 600 },
            type: { type: 'string', minLength: 1, maxLength: 200 },
            order: { type: 'string', enum: ['asc', 'desc'], default: 'asc' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: {
              items: { type: 'array', items: ENTRY_SCHEMA },
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
      const page = pageRequest(request.query);
      const order = request.query.order ?? 'asc';
      // The cursor is [order, seq]: a cursor of one order is refused by the other.
      let afterSeq: number | undefined;
      if (page.after !== undefined) {
        const k = page.after;
        if (!Array.isArray(k) || k[0] !== order || typeof k[1] !== 'number')
          throw new InputError([
            {
              path: 'query.cursor',
              message: 'is not a cursor of this list (and order); pass `nextCursor` unchanged',
            },
          ]);
        afterSeq = k[1];
      }
      const q = request.query;
      const rows = await readAudit(deps.audit, visibilityOf(request), {
        order,
        ...(afterSeq !== undefined ? { afterSeq } : {}),
        ...(q.subject !== undefined ? { subject: q.subject } : {}),
        ...(q.type !== undefined ? { type: q.type } : {}),
        limit: page.limit,
      });
      return pageOf(rows, page, (e) => [order, e.seq]);
    },
  );

  app.get(
    '/audit/verify',
    {
      schema: {
        summary: 'Verify the audit hash chain',
        description:
          'Recomputes every hash of the organisation’s chain as `arrears audit verify` does: ' +
          '`ok`, the entries intact, and for a broken chain the first broken `seq`, why ' +
          '(`reason`) and a message.',
        tags: ['audit'],
        response: { 200: VERIFY_SCHEMA },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      return verifyAuditOf(deps.audit, principalOf(request).orgId);
    },
  );
};
