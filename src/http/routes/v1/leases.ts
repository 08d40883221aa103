/**
 * Leases, their ledgers and payments (SPEC 2, 10), scoped to the caller's organisation and
 * properties (an owner sees its own properties' leases only):
 *
 *   GET  /api/v1/leases?propertyId=&status=&cursor=&limit=   leases with balance and past due
 *   GET  /api/v1/leases/{leaseId}            the lease, its tenants (contact fields), property,
 *                                            standing, governing policy and current case
 *   GET  /api/v1/leases/{leaseId}/ledger     entries by date with a running balance (paged)
 *   POST /api/v1/leases/{leaseId}/payments   {amountCents, date, id?, memo?} records a payment
 *
 * Reading: every role (owners and auditors included). Recording a payment: admin, manager,
 * collections or finance. A payment is a `payment` ledger entry posted through the
 * portfolio store (app/record-payment.ts): audited (`ledger.posted`) in the same
 * transaction, idempotent on its `id` (201 when recorded, 200 when that payment was
 * already recorded, 409 when the id belongs to another entry), and the lease is marked for
 * the next scan. Without an `id` one is generated: send your own to retry safely.
 * A lease of another organisation or outside the caller's properties is 404, like one that
 * does not exist. The composition root hands the stores over with `provideLeasesApi(deps)`;
 * without it these routes answer 503.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { noLease, type Visibility } from '../../../app/lease-access.js';
import { recordPayment, type PaymentDeps } from '../../../app/record-payment.js';
import {
  leaseDetail,
  leaseLedger,
  listLeases,
  type LeaseViewDeps,
} from '../../../app/view-leases.js';
import { isLocalDate } from '../../../domain/dates.js';
import { InputError } from '../../../domain/errors.js';
import { principalOf, requireRole } from '../../auth.js';
import { pageOf, pageRequest, PAGE_QUERY_SCHEMA, type PageRequest } from '../../pagination.js';
import { problem, sendProblem } from '../../problem.js';
import { provided } from './provided.js';

export type LeasesApiDeps = LeaseViewDeps &
  PaymentDeps & {
    /**
     * Re-evaluates the changed leases now (an incremental scan), so a payment that clears the
     * balance closes the case before the answer: the clerk sees it at once.
     */
    evaluateChanged?: (orgId: string) => Promise<void>;
  };

const api = provided<LeasesApiDeps>('arrearsLeasesApi');

/**
 * Hands the leases API its stores: a plugin to register (before API_V1_ROUTES) in
 * `AppDeps.apiRoutes`, e.g. `apiRoutes: [provideLeasesApi(deps), ...API_V1_ROUTES]`.
 */
export const provideLeasesApi = api.provide;

const depsOf = (app: FastifyInstance) => api.of(app);

const PAYERS = requireRole('manager', 'collections', 'finance');

const unavailable = problem(
  'unavailable',
  'leases are not wired into this server (see provideLeasesApi)',
);

export function visibilityOf(request: FastifyRequest): Visibility {
  const p = principalOf(request);
  return { orgId: p.orgId, propertyIds: p.propertyIds ?? null };
}

const ID = { type: 'string', minLength: 1, maxLength: 200 } as const;
const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const NULLABLE_STRING = { type: ['string', 'null'] } as const;
const NULLABLE_INTEGER = { type: ['integer', 'null'] } as const;
const ANY = { description: 'Any JSON value.' } as const;

const LEASE_PARAMS = {
  type: 'object',
  required: ['leaseId'],
  properties: { leaseId: ID },
} as const;

export const CASE_SUMMARY_SCHEMA = {
  type: ['object', 'null'],
  description: 'The open case (episode) of the lease, or null.',
  properties: {
    episode: { type: 'integer' },
    open: { type: 'boolean' },
    opened: { type: 'string' },
    anchor: { type: 'string' },
    closed: NULLABLE_STRING,
    outcome: NULLABLE_STRING,
    policyId: NULLABLE_STRING,
    policyVersion: NULLABLE_INTEGER,
  },
} as const;

const STANDING_PROPERTIES = {
  asOf: { type: 'string', description: 'The lease’s local today: the date of the amounts.' },
  balanceCents: { type: 'integer', description: 'Ledger balance of the entries in effect.' },
  pastDueCents: {
    type: 'integer',
    description: 'Unpaid past-due charges of the categories the governing policy counts.',
  },
  unappliedCreditCents: { type: 'integer', description: 'Payments and credits not allocated.' },
  oldestPastDueDate: NULLABLE_STRING,
} as const;

const LEASE_PROPERTIES = {
  id: { type: 'string' },
  propertyId: { type: 'string' },
  unit: { type: 'string' },
  spaceType: NULLABLE_STRING,
  rentCents: { type: 'integer' },
  status: NULLABLE_STRING,
  tags: { type: 'array', items: { type: 'string' } },
  tenantIds: { type: 'array', items: { type: 'string' } },
} as const;

const LEASE_ROW_SCHEMA = {
  type: 'object',
  required: ['id', 'propertyId', 'balanceCents', 'pastDueCents'],
  properties: {
    ...LEASE_PROPERTIES,
    property: {
      type: ['object', 'null'],
      properties: { id: { type: 'string' }, name: { type: 'string' } },
    },
    tenants: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' } },
      },
    },
    ...STANDING_PROPERTIES,
    currentCase: CASE_SUMMARY_SCHEMA,
  },
} as const;

const LEASE_PAGE_SCHEMA = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: LEASE_ROW_SCHEMA },
    nextCursor: NULLABLE_STRING,
  },
} as const;

const TENANT_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    email: NULLABLE_STRING,
    phone: { ...NULLABLE_STRING, description: 'E.164.' },
    address: {
      ...ANY,
      description: 'One string, or {line1, line2, city, region, postalCode, country}.',
    },
    language: { type: 'string' },
    timezone: NULLABLE_STRING,
    consent: { type: 'object', additionalProperties: { type: 'boolean' } },
    military: { type: ['boolean', 'null'] },
  },
} as const;

const LEASE_DETAIL_SCHEMA = {
  type: 'object',
  required: ['lease', 'tenants', 'standing', 'currentCase', 'cases'],
  properties: {
    lease: {
      type: 'object',
      properties: {
        ...LEASE_PROPERTIES,
        terms: { type: ['object', 'null'], additionalProperties: true },
        autopay: { type: ['boolean', 'null'] },
        startDate: NULLABLE_STRING,
        endDate: NULLABLE_STRING,
        sourceId: NULLABLE_STRING,
      },
    },
    property: {
      type: ['object', 'null'],
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        timezone: { type: 'string' },
        jurisdiction: { type: 'string' },
        kind: { type: 'string' },
        ownerId: NULLABLE_STRING,
        runAt: { type: 'string' },
        address: ANY,
        legalName: NULLABLE_STRING,
        phone: NULLABLE_STRING,
        email: NULLABLE_STRING,
      },
    },
    tenants: { type: 'array', items: TENANT_SCHEMA },
    standing: { type: 'object', properties: STANDING_PROPERTIES },
    policy: {
      type: ['object', 'null'],
      description: 'The policy that governs the lease and why.',
      properties: { id: { type: 'string' }, version: { type: 'integer' }, why: { type: 'string' } },
    },
    currentCase: CASE_SUMMARY_SCHEMA,
    cases: { type: 'array', items: { ...CASE_SUMMARY_SCHEMA, type: 'object' } },
  },
} as const;

export const LEDGER_ENTRY_PROPERTIES = {
  id: { type: 'string' },
  date: { type: 'string' },
  type: { type: 'string', enum: ['charge', 'payment', 'credit', 'reversal', 'writeoff'] },
  category: NULLABLE_STRING,
  amountCents: { type: 'integer' },
  dueDate: NULLABLE_STRING,
  reverses: NULLABLE_STRING,
  appliesTo: NULLABLE_STRING,
  memo: NULLABLE_STRING,
} as const;

const LEDGER_PAGE_SCHEMA = {
  type: 'object',
  required: ['leaseId', 'items', 'nextCursor'],
  properties: {
    leaseId: { type: 'string' },
    ...STANDING_PROPERTIES,
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...LEDGER_ENTRY_PROPERTIES,
          runningBalanceCents: {
            type: 'integer',
            description: 'Ledger balance after this entry (a reversal undoes what it reverses).',
          },
        },
      },
    },
    nextCursor: NULLABLE_STRING,
  },
} as const;

const PAYMENT_RESULT_SCHEMA = {
  type: 'object',
  required: ['recorded', 'entry'],
  properties: {
    recorded: {
      type: 'boolean',
      description: 'False when this payment (same id and content) was already recorded.',
    },
    entry: { type: 'object', properties: LEDGER_ENTRY_PROPERTIES },
  },
} as const;

function cursorText(page: PageRequest): string | undefined {
  if (page.after === undefined) return undefined;
  if (typeof page.after === 'string') return page.after;
  throw new InputError([
    { path: 'query.cursor', message: 'is not a cursor of this list; pass `nextCursor` unchanged' },
  ]);
}

function cursorPosition(page: PageRequest): [string, string] | undefined {
  const k = page.after;
  if (k === undefined) return undefined;
  if (Array.isArray(k) && k.length === 2 && typeof k[0] === 'string' && typeof k[1] === 'string')
    return [k[0], k[1]];
  throw new InputError([
    { path: 'query.cursor', message: 'is not a cursor of this list; pass `nextCursor` unchanged' },
  ]);
}

/** Issues of a use case about body fields, named as request paths (`body.date`). */
export async function underBody<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InputError)
      throw new InputError(
        e.issues.map((i) =>
          i.file !== undefined || i.path.startsWith('body')
            ? i
            : { ...i, path: i.path.startsWith('[') ? `body${i.path}` : `body.${i.path}` },
        ),
      );
    throw e;
  }
}

export const leasesRoutes: FastifyPluginAsync = async (app) => {
  app.get<{
    Querystring: { propertyId?: string; status?: string; limit?: number; cursor?: string };
  }>(
    '/leases',
    {
      schema: {
        summary: 'Leases with their balance and past-due amount',
        description:
          'Leases the caller can see, by id: unit, property, tenants (id and name), the ' +
          'ledger balance, past-due amount and unapplied credit as of the lease’s local ' +
          'today, and its open case. Filter by `propertyId` and by the lease `status`.',
        tags: ['leases'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...PAGE_QUERY_SCHEMA.properties,
            propertyId: ID,
            status: { type: 'string', minLength: 1, maxLength: 100 },
          },
        },
        response: { 200: LEASE_PAGE_SCHEMA },
      },
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const page = pageRequest(request.query);
      const after = cursorText(page);
      const { propertyId, status } = request.query;
      const rows = await listLeases(deps, visibilityOf(request), {
        ...(propertyId !== undefined ? { propertyId } : {}),
        ...(status !== undefined ? { status } : {}),
        ...(after !== undefined ? { after } : {}),
        limit: page.limit,
      });
      return pageOf(rows, page, (l) => l.id);
    },
  );

  app.get<{ Params: { leaseId: string } }>(
    '/leases/:leaseId',
    {
      schema: {
        summary: 'A lease with its tenants, property and current case',
        description:
          'The lease, its tenants with their contact fields (e-mail, phone, address, ' +
          'language, consent), its property, its standing today, the policy that governs ' +
          'it and why, its open case and every case it has had.',
        tags: ['leases'],
        params: LEASE_PARAMS,
        response: { 200: LEASE_DETAIL_SCHEMA },
      },
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { leaseId } = request.params;
      const detail = await leaseDetail(deps, visibilityOf(request), leaseId);
      if (!detail) return sendProblem(reply, problem('not_found', noLease(leaseId)));
      return detail;
    },
  );

  app.get<{ Params: { leaseId: string }; Querystring: { limit?: number; cursor?: string } }>(
    '/leases/:leaseId/ledger',
    {
      schema: {
        summary: 'A lease’s ledger with a running balance',
        description:
          'Ledger entries by date then id, each with the balance after it, and the lease’s ' +
          'standing today. Pages follow the same order (default 50 entries).',
        tags: ['leases'],
        params: LEASE_PARAMS,
        querystring: PAGE_QUERY_SCHEMA,
        response: { 200: LEDGER_PAGE_SCHEMA },
      },
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { leaseId } = request.params;
      const page = pageRequest(request.query);
      const after = cursorPosition(page);
      const ledger = await leaseLedger(deps, visibilityOf(request), leaseId);
      if (!ledger) return sendProblem(reply, problem('not_found', noLease(leaseId)));
      const rows = after
        ? ledger.rows.filter((r) => r.date > after[0] || (r.date === after[0] && r.id > after[1]))
        : ledger.rows;
      const out = pageOf(rows.slice(0, page.limit + 1), page, (r) => [r.date, r.id]);
      return { leaseId, ...ledger.standing, ...out };
    },
  );

  app.post<{
    Params: { leaseId: string };
    Body: { amountCents: number; date: string; id?: string; memo?: string };
  }>(
    '/leases/:leaseId/payments',
    {
      schema: {
        summary: 'Record a payment',
        description:
          'Posts a `payment` ledger entry received on `date` (a local date, not after the ' +
          'property’s today), audited and idempotent on `id`: the same payment sent again ' +
          'answers 200 with `recorded: false`; an `id` already used by another entry is ' +
          '409. Without `id` one is generated (a retry would then record the payment twice). ' +
          'The next scan re-evaluates the lease (a paid case closes).',
        tags: ['leases'],
        params: LEASE_PARAMS,
        body: {
          type: 'object',
          required: ['amountCents', 'date'],
          additionalProperties: false,
          properties: {
            amountCents: {
              type: 'integer',
              minimum: 1,
              description: 'Whole cents, e.g. 150000 for $1,500.00.',
            },
            date: { ...DATE, description: 'Local date received (YYYY-MM-DD).' },
            id: { ...ID, description: 'Ledger entry id: the idempotency key of the payment.' },
            memo: { type: 'string', maxLength: 500 },
          },
        },
        response: { 200: PAYMENT_RESULT_SCHEMA, 201: PAYMENT_RESULT_SCHEMA },
      },
      preHandler: PAYERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { amountCents, date, id, memo } = request.body;
      if (!isLocalDate(date))
        throw new InputError([
          { path: 'body.date', message: `\`${date}\` is not a real date; write it YYYY-MM-DD` },
        ]);
      const p = principalOf(request);
      const result = await underBody(() =>
        recordPayment(
          deps,
          visibilityOf(request),
          {
            leaseId: request.params.leaseId,
            id: id ?? `pay-${randomUUID()}`,
            amountCents,
            date,
            ...(memo !== undefined ? { memo } : {}),
          },
          `user:${p.userId}`,
        ),
      );
      if (result.recorded && deps.evaluateChanged) await deps.evaluateChanged(p.orgId);
      const e = result.entry;
      return reply.code(result.recorded ? 201 : 200).send({
        recorded: result.recorded,
        entry: {
          id: e.id,
          date: e.date,
          type: e.type,
          category: e.category ?? null,
          amountCents: e.amountCents,
          dueDate: e.dueDate ?? null,
          reverses: e.reverses ?? null,
          appliesTo: e.appliesTo ?? null,
          memo: e.memo ?? null,
        },
      });
    },
  );
};
