/**
 * The operator's daily lists and the case page (SPEC 5, 10), scoped to the caller's
 * organisation:
 *
 *   GET /api/v1/exceptions?at=                    the exception list (`arrears exceptions`)
 *   GET /api/v1/changes                           what changed since the last run (`arrears changes`)
 *   GET /api/v1/cases?open=true|false&cursor=&limit=   cases (episodes), by lease then episode
 *   GET /api/v1/cases/{leaseId}                   a lease's cases, each with its timeline
 *
 * The same use cases as the CLI (app/run-reports.ts), so both give the same rows. A case's
 * timeline gathers the ledger entries and events dated in the case, its outbox items
 * (status, reason, channel, times), the approvals of those items, their proofs of service
 * and the audit entries about them (without their data). Tenants appear by id and name
 * only. Reading needs a staff role or auditor (owners see reports, not cases).
 *
 * The composition root hands the stores over with `provideCasesApi(deps)`, registered
 * before API_V1_ROUTES; without it these routes answer 503.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { outboxItemJson, type OutboxItemJson } from '../../../app/outbox-view.js';
import type { Clock } from '../../../app/ports/clock.js';
import type { DocumentStore } from '../../../app/ports/documents.js';
import type { OutboxItem, OutboxStore } from '../../../app/ports/outbox.js';
import type { ReportReadStore } from '../../../app/ports/reports.js';
import {
  changesSinceLastRun,
  exceptionsFromStore,
  type ReportDeps,
} from '../../../app/run-reports.js';
import type { LeaseEvidence } from '../../../domain/documents/packet.js';
import { InputError } from '../../../domain/errors.js';
import type { LedgerEntry, PortfolioEvent } from '../../../domain/portfolio/schema.js';
import type { CaseRecord } from '../../../domain/reports/report-data.js';
import { principalOf, requireRole } from '../../auth.js';
import { limitOf, onlyVisible } from './scope.js';
import {
  pageOf,
  pageRequest,
  PAGE_QUERY_SCHEMA,
  pageSchema,
  type PageRequest,
} from '../../pagination.js';
import { problem, sendProblem } from '../../problem.js';
import { OUTBOX_ITEM_PROPERTIES } from './queue.js';
import { provided } from './provided.js';

export interface CasesApiDeps extends ReportDeps {
  /** Every stored case (reports-repo.ts `cases`). */
  cases: Pick<ReportReadStore, 'cases' | 'casesPage'>;
  outbox: Pick<OutboxStore<unknown>, 'list'>;
  /** Approvals, proofs of service and audit entries of a lease (documents-repo.ts). */
  documents?: Pick<DocumentStore<unknown>, 'evidence'>;
  clock: Clock;
}

const api = provided<CasesApiDeps>('arrearsCasesApi');

/**
 * Hands the cases API its stores: a plugin to register (before API_V1_ROUTES) in
 * `AppDeps.apiRoutes`, e.g. `apiRoutes: [provideCasesApi(deps), ...API_V1_ROUTES]`.
 */
export const provideCasesApi = api.provide;

const depsOf = (app: FastifyInstance) => api.of(app);

const READERS = requireRole('manager', 'collections', 'legal', 'finance', 'auditor');

const unavailable = problem(
  'unavailable',
  'cases, exceptions and changes are not wired into this server (see provideCasesApi)',
);

const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
const NULLABLE_STRING = { type: ['string', 'null'] } as const;
const NULLABLE_INTEGER = { type: ['integer', 'null'] } as const;
const OBJECT = { type: 'object', additionalProperties: true } as const;

const EXCEPTION_SCHEMA = {
  type: 'object',
  required: ['leaseId', 'state', 'code', 'owner', 'nextAction', 'due'],
  properties: {
    leaseId: { type: 'string' },
    propertyId: { type: 'string' },
    unit: { type: 'string' },
    state: { type: 'string', description: 'SPEC 5 readiness state of the lease.' },
    code: { type: 'string', description: 'Why the lease is on the list.' },
    reasonState: { type: 'string' },
    severity: { type: 'string' },
    detail: { type: 'string' },
    amountCents: { type: 'integer' },
    owner: { type: 'string', description: 'Who owns the next action (a role).' },
    nextAction: { type: 'string', description: 'What the next action is.' },
    due: { type: 'string', description: 'When the next action is due.' },
    since: { type: 'string', description: 'Since when the condition holds.' },
  },
} as const;

const CASE_PROPERTIES = {
  leaseId: { type: 'string' },
  episode: { type: 'integer' },
  open: { type: 'boolean' },
  opened: { type: 'string', format: 'date' },
  anchor: { type: 'string', format: 'date', description: 'The first unpaid due date.' },
  closed: { ...NULLABLE_STRING, description: 'Local date it closed; null while open.' },
  outcome: NULLABLE_STRING,
  policyId: NULLABLE_STRING,
  policyVersion: NULLABLE_INTEGER,
} as const;

const CASE_SCHEMA = {
  type: 'object',
  required: ['leaseId', 'episode', 'open', 'opened', 'anchor'],
  properties: {
    ...CASE_PROPERTIES,
    propertyId: NULLABLE_STRING,
    unit: NULLABLE_STRING,
  },
} as const;

const TIMELINE_ENTRY_SCHEMA = {
  type: 'object',
  required: ['kind', 'date'],
  description:
    'One thing that happened in the case. `kind` says which fields follow: `ledger` (id, ' +
    'type, category, amountCents, dueDate, memo), `action` (an outbox item: key, status, ' +
    'reason, channel, times …), `event` (a reply, hold, promise … of SPEC 3.1), `approval` ' +
    '(key, version, decision, by whom), `proof` (a proof of service and its carrier ' +
    'events), `audit` (seq, type, actor, subject).',
  properties: {
    kind: { type: 'string', enum: ['ledger', 'action', 'event', 'approval', 'proof', 'audit'] },
    date: { type: 'string', description: 'Local date (ledger, events) or UTC date.' },
    at: { ...NULLABLE_STRING, description: 'The instant, when known.' },
  },
  additionalProperties: true,
} as const;

const CASE_PAGE_SCHEMA = {
  type: 'object',
  required: ['lease', 'cases'],
  properties: {
    lease: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        unit: { type: 'string' },
        spaceType: NULLABLE_STRING,
        rentCents: { type: 'integer' },
        status: NULLABLE_STRING,
        tags: { type: 'array', items: { type: 'string' } },
      },
    },
    property: {
      type: ['object', 'null'],
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        kind: { type: 'string' },
        jurisdiction: { type: 'string' },
        timezone: { type: 'string' },
      },
    },
    tenants: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } },
      },
    },
    balanceCents: { type: 'integer', description: 'Ledger balance (all entries).' },
    cases: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...CASE_PROPERTIES,
          items: {
            type: 'array',
            items: { type: 'object', properties: OUTBOX_ITEM_PROPERTIES },
            description: 'The case’s outbox items (as GET /outbox lists them).',
          },
          timeline: { type: 'array', items: TIMELINE_ENTRY_SCHEMA },
        },
      },
    },
  },
} as const;

type CaseJson = CaseRecord & { open: boolean };

function caseJson(c: CaseRecord): CaseJson {
  return {
    leaseId: c.leaseId,
    episode: c.episode,
    open: c.closed === null,
    opened: c.opened,
    anchor: c.anchor,
    closed: c.closed,
    outcome: c.outcome,
    policyId: c.policyId,
    policyVersion: c.policyVersion,
  };
}

function positionOf(page: PageRequest): [string, number] | undefined {
  const k = page.after;
  if (k === undefined) return undefined;
  if (Array.isArray(k) && k.length === 2 && typeof k[0] === 'string' && typeof k[1] === 'number')
    return [k[0], k[1]];
  throw new InputError([
    {
      path: 'query.cursor',
      message: 'is not a cursor of this list; pass the `nextCursor` of the previous page unchanged',
    },
  ]);
}

async function leaseItems(deps: CasesApiDeps, orgId: string, leaseId: string) {
  const all: OutboxItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.outbox.list(orgId, {
      leaseId,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

const SIGN: Record<LedgerEntry['type'], number> = {
  charge: 1,
  reversal: 1,
  payment: -1,
  credit: -1,
  writeoff: -1,
};

type TimelineEntry = { kind: string; date: string; at: string | null } & Record<string, unknown>;

function ledgerEntry(e: LedgerEntry): TimelineEntry {
  return {
    kind: 'ledger',
    date: e.date,
    at: null,
    id: e.id,
    type: e.type,
    category: e.category ?? null,
    amountCents: e.amountCents,
    dueDate: e.dueDate ?? null,
    memo: e.memo ?? null,
  };
}

function eventEntry(e: PortfolioEvent): TimelineEntry {
  // The sender's number or address stays with the replies API; the text is what staff read.
  const { date, at, ...rest } = e;
  const { from: _from, ...shown } = rest as typeof rest & { from?: unknown };
  return { kind: 'event', date, at: at ?? null, ...shown };
}

function actionEntry(i: OutboxItemJson): TimelineEntry {
  return { kind: 'action', date: i.createdAt.slice(0, 10), at: i.createdAt, ...i };
}

/** Approvals, proofs and audit entries of the case's items (`keys`). */
function evidenceEntries(evidence: LeaseEvidence, keys: ReadonlySet<string>): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const a of evidence.approvals)
    if (keys.has(a.key))
      out.push({
        kind: 'approval',
        date: a.at.slice(0, 10),
        at: a.at,
        key: a.key,
        version: a.version,
        decision: a.decision,
        userId: a.userId,
        email: a.email,
        reason: a.reason,
      });
  const proofIds = new Set<string>();
  for (const p of evidence.proofs)
    if (keys.has(p.outboxKey)) {
      proofIds.add(p.id);
      out.push({
        kind: 'proof',
        date: p.servedOn ?? p.createdAt.slice(0, 10),
        at: p.createdAt,
        id: p.id,
        outboxKey: p.outboxKey,
        method: p.method,
        status: p.status,
        servedOn: p.servedOn,
        provider: p.provider,
        trackingNumber: p.trackingNumber,
        certificateRef: p.certificateRef,
        documentSha256: p.documentSha256,
        events: p.events.map((e) => ({ type: e.type, at: e.at, date: e.date, detail: e.detail })),
      });
    }
  for (const e of evidence.audit) {
    const [prefix, subject] = [
      e.subject.split(':', 1)[0],
      e.subject.slice(e.subject.indexOf(':') + 1),
    ];
    if ((prefix === 'outbox' && keys.has(subject)) || (prefix === 'proof' && proofIds.has(subject)))
      out.push({
        kind: 'audit',
        date: e.at.slice(0, 10),
        at: e.at,
        seq: e.seq,
        type: e.type,
        actor: e.actor,
        subject: e.subject,
      });
  }
  return out;
}

const sortKey = (e: TimelineEntry) => e.at ?? `${e.date}T00:00:00.000Z`;

export const casesRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { at?: string } }>(
    '/exceptions',
    {
      schema: {
        summary: 'The exception list',
        description:
          'Leases that need a human (SPEC 5), one row per reason: the readiness state, who ' +
          'owns the next action, what it is and when it is due. As of `at` (default: today, ' +
          'UTC), the same rows as `arrears exceptions --json`.',
        tags: ['cases'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { at: DATE },
        },
        response: {
          200: {
            type: 'object',
            required: ['at', 'rows'],
            properties: {
              at: { type: 'string' },
              rows: { type: 'array', items: EXCEPTION_SCHEMA },
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
      const at = request.query.at ?? new Date(deps.clock.now()).toISOString().slice(0, 10);
      const result = await exceptionsFromStore(deps, orgId, at);
      const limit = limitOf(request);
      return limit === null
        ? result
        : { ...result, rows: result.rows.filter((r) => limit.includes(r.propertyId)) };
    },
  );

  app.get(
    '/changes',
    {
      schema: {
        summary: 'What changed since the last run',
        description:
          'The changes the last finished scan found (cases, payments, balances, replies, ' +
          'holds, promises), as `arrears changes --json` prints them; `{changes: []}` before ' +
          'the first scan.',
        tags: ['cases'],
        response: {
          200: {
            type: 'object',
            required: ['changes'],
            properties: {
              id: { type: 'string' },
              asOf: { type: 'string' },
              finishedAt: { type: 'string' },
              counts: OBJECT,
              changes: { type: 'array', items: OBJECT },
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
      const last = await changesSinceLastRun(deps, orgId);
      if (!last) return { changes: [] };
      if (limitOf(request) === null) return last;
      const changes = await onlyVisible(deps.portfolio, request, last.changes, (c) =>
        c !== null && typeof c === 'object' ? (c as { leaseId?: string }).leaseId : undefined,
      );
      return { ...last, changes };
    },
  );

  app.get<{ Querystring: { open?: boolean; limit?: number; cursor?: string } }>(
    '/cases',
    {
      schema: {
        summary: 'Cases',
        description:
          'Cases (episodes of delinquency) by lease then episode; `open=true` only those ' +
          'open, `open=false` only those closed.',
        tags: ['cases'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...PAGE_QUERY_SCHEMA.properties, open: { type: 'boolean' } },
        },
        response: { 200: pageSchema(CASE_SCHEMA) },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { orgId } = principalOf(request);
      const page = pageRequest(request.query);
      const after = positionOf(page);
      const { open } = request.query;
      const rows = deps.cases.casesPage
        ? await deps.cases.casesPage(orgId, {
            limit: page.limit + 1,
            ...(after ? { after: [after[0], after[1]] as const } : {}),
            ...(open !== undefined ? { open } : {}),
            propertyIds: limitOf(request),
          })
        : (
            await onlyVisible(
              deps.portfolio,
              request,
              (await deps.cases.cases(orgId)).filter(
                (c) => open === undefined || (c.closed === null) === open,
              ),
              (c) => c.leaseId,
            )
          )
            .filter(
              (c) =>
                !after || c.leaseId > after[0] || (c.leaseId === after[0] && c.episode > after[1]),
            )
            .slice(0, page.limit + 1);
      const out = pageOf(rows, page, (c) => [c.leaseId, c.episode]);
      const leaseIds = [...new Set(out.items.map((c) => c.leaseId))];
      const portfolio =
        leaseIds.length > 0 ? await deps.portfolio.loadPortfolio(orgId, leaseIds) : undefined;
      const leases = new Map(portfolio?.leases.map((l) => [l.id, l]));
      return {
        items: out.items.map((c) => {
          const lease = leases.get(c.leaseId);
          return {
            ...caseJson(c),
            propertyId: lease?.propertyId ?? null,
            unit: lease?.unit ?? null,
          };
        }),
        nextCursor: out.nextCursor,
      };
    },
  );

  app.get<{ Params: { leaseId: string } }>(
    '/cases/:leaseId',
    {
      schema: {
        summary: 'A lease’s cases with their timelines',
        description:
          'The lease, its property and tenants (id and name), its ledger balance, and each ' +
          'of its cases with the case’s outbox items and a timeline, oldest first: ledger ' +
          'entries and events dated in the case, its actions, their approvals, proofs of ' +
          'service and audit entries.',
        tags: ['cases'],
        params: {
          type: 'object',
          required: ['leaseId'],
          properties: { leaseId: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: { 200: CASE_PAGE_SCHEMA },
      },
      preHandler: READERS,
    },
    async (request, reply) => {
      const deps = depsOf(app);
      if (!deps) return sendProblem(reply, unavailable);
      const { orgId } = principalOf(request);
      const { leaseId } = request.params;
      const portfolio = await deps.portfolio.loadPortfolio(orgId, [leaseId]);
      const lease = portfolio.leases.find((l) => l.id === leaseId);
      const limit = limitOf(request);
      if (!lease || (limit !== null && !limit.includes(lease.propertyId)))
        return sendProblem(reply, problem('not_found', `no lease ${leaseId}`));
      const property = portfolio.properties.find((p) => p.id === lease.propertyId);
      const [cases, items, evidence] = await Promise.all([
        deps.cases.casesPage
          ? deps.cases.casesPage(orgId, { limit: 10_000, leaseId })
          : deps.cases.cases(orgId),
        leaseItems(deps, orgId, leaseId),
        deps.documents ? deps.documents.evidence(orgId, leaseId) : Promise.resolve(undefined),
      ]);
      const ledger = portfolio.ledger.filter((e) => e.leaseId === leaseId);
      const events = portfolio.events.filter(
        (e) => e.leaseId === undefined || e.leaseId === leaseId,
      );
      const balanceCents = ledger.reduce((sum, e) => sum + SIGN[e.type] * e.amountCents, 0);
      const tenantIds = new Set(lease.tenantIds);
      return {
        lease: {
          id: lease.id,
          unit: lease.unit,
          spaceType: lease.spaceType ?? null,
          rentCents: lease.rentCents,
          status: lease.status ?? null,
          tags: lease.tags,
        },
        property: property
          ? {
              id: property.id,
              name: property.name,
              kind: property.kind,
              jurisdiction: property.jurisdiction,
              timezone: property.timezone,
            }
          : null,
        tenants: portfolio.tenants
          .filter((t) => tenantIds.has(t.id))
          .map((t) => ({ id: t.id, name: t.name, role: t.role })),
        balanceCents,
        cases: cases
          .filter((c) => c.leaseId === leaseId)
          .map((c) => {
            const start = c.anchor < c.opened ? c.anchor : c.opened;
            const inCase = (date: string) =>
              date >= start && (c.closed === null || date <= c.closed);
            const caseItems = items.filter((i) => i.episode === c.episode).map(outboxItemJson);
            const keys = new Set(caseItems.map((i) => i.key));
            const timeline = [
              ...ledger.filter((e) => inCase(e.date)).map(ledgerEntry),
              ...events.filter((e) => inCase(e.date)).map(eventEntry),
              ...caseItems.map(actionEntry),
              ...(evidence ? evidenceEntries(evidence, keys) : []),
            ].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
            return { ...caseJson(c), items: caseItems, timeline };
          }),
      };
    },
  );
};
