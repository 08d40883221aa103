/**
 * The reports' reads (app/ports/reports.ts): cases, outbox items and their transitions,
 * proofs of service, open tasks, reported balances and finished scans — every query
 * filtered by organisation, nothing written. Rows come back as the plain records of
 * domain/reports/report-data.ts: integer cents as numbers (PostgreSQL returns `bigint` as
 * text), JSON columns parsed, nulls kept.
 */
import type { InstantRange, ReportReadStore } from '../../app/ports/reports.js';
import type { Change } from '../../domain/readiness/changes.js';
import type {
  OutboxPayloadFacts,
  ScanRecord,
  TransitionRecord,
} from '../../domain/reports/report-data.js';
import type { Db } from '../database.js';

/** Keys per `in (…)` list: far below both engines' bind-parameter limits. */
const CHUNK = 500;

const num = (v: number | string | bigint | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);

function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The payload fields reports read, each only when it has the right type. */
function payloadFacts(text: string): OutboxPayloadFacts {
  const p = parseJson(text);
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return {};
  const o = p as Record<string, unknown>;
  const out: OutboxPayloadFacts = {};
  for (const k of ['date', 'template', 'title', 'to', 'feeKind', 'saleDate'] as const)
    if (typeof o[k] === 'string') out[k] = o[k];
  if (typeof o.pastDueCents === 'number') out.pastDueCents = o.pastDueCents;
  return out;
}

export function reportsRepo(db: Db): ReportReadStore {
  const k = db.kysely;
  return {
    async organisationName(orgId) {
      const row = await k
        .selectFrom('organisations')
        .select('name')
        .where('id', '=', orgId)
        .executeTakeFirst();
      return row?.name || orgId;
    },

    async cases(orgId) {
      const rows = await k
        .selectFrom('cases')
        .select([
          'lease_id',
          'episode',
          'opened',
          'anchor',
          'closed',
          'outcome',
          'policy_id',
          'policy_version',
        ])
        .where('org_id', '=', orgId)
        .orderBy('lease_id')
        .orderBy('episode')
        .execute();
      return rows.map((r) => ({
        leaseId: r.lease_id,
        episode: Number(r.episode),
        opened: r.opened,
        anchor: r.anchor,
        closed: r.closed ?? null,
        outcome: r.outcome ?? null,
        policyId: r.policy_id ?? null,
        policyVersion: num(r.policy_version),
      }));
    },

    async casesPage(orgId, page) {
      let q = k
        .selectFrom('cases as c')
        .select([
          'c.lease_id',
          'c.episode',
          'c.opened',
          'c.anchor',
          'c.closed',
          'c.outcome',
          'c.policy_id',
          'c.policy_version',
        ])
        .where('c.org_id', '=', orgId);
      if (page.leaseId !== undefined) q = q.where('c.lease_id', '=', page.leaseId);
      if (page.open === true) q = q.where('c.closed', 'is', null);
      if (page.open === false) q = q.where('c.closed', 'is not', null);
      if (page.after) {
        const [lease, episode] = page.after;
        q = q.where((eb) =>
          eb.or([
            eb('c.lease_id', '>', lease),
            eb.and([eb('c.lease_id', '=', lease), eb('c.episode', '>', episode)]),
          ]),
        );
      }
      if (page.propertyIds) {
        if (page.propertyIds.length === 0) return [];
        const ids = [...page.propertyIds];
        q = q.where('c.lease_id', 'in', (sub) =>
          sub
            .selectFrom('leases')
            .select('id')
            .where('org_id', '=', orgId)
            .where('property_id', 'in', ids),
        );
      }
      const rows = await q.orderBy('c.lease_id').orderBy('c.episode').limit(page.limit).execute();
      return rows.map((r) => ({
        leaseId: r.lease_id,
        episode: Number(r.episode),
        opened: r.opened,
        anchor: r.anchor,
        closed: r.closed ?? null,
        outcome: r.outcome ?? null,
        policyId: r.policy_id ?? null,
        policyVersion: num(r.policy_version),
      }));
    },

    async outboxItems(orgId, types) {
      if (types !== undefined && types.length === 0) return [];
      let q = k
        .selectFrom('outbox')
        .select([
          'key',
          'lease_id',
          'episode',
          'stage',
          'action',
          'type',
          'channel',
          'method',
          'contact_id',
          'status',
          'reason',
          'amount_cents',
          'due_at',
          'created_at',
          'updated_at',
          'payload',
        ])
        .where('org_id', '=', orgId);
      if (types !== undefined) q = q.where('type', 'in', [...types]);
      const rows = await q.orderBy('key').execute();
      return rows.map((r) => ({
        key: r.key,
        leaseId: r.lease_id,
        episode: Number(r.episode),
        stage: r.stage,
        action: r.action,
        type: r.type,
        channel: r.channel ?? null,
        method: r.method ?? null,
        contactId: r.contact_id ?? null,
        status: r.status,
        reason: r.reason ?? null,
        amountCents: num(r.amount_cents),
        dueAt: r.due_at,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        payload: payloadFacts(r.payload),
      }));
    },

    async transitions(orgId, query) {
      const read = async (keys?: readonly string[]): Promise<TransitionRecord[]> => {
        let q = k
          .selectFrom('outbox_transitions')
          .select(['key', 'seq', 'from_status', 'to_status', 'at', 'actor', 'reason'])
          .where('org_id', '=', orgId);
        if (query.between)
          q = q.where('at', '>=', query.between.from).where('at', '<=', query.between.to);
        if (keys) q = q.where('key', 'in', [...keys]);
        const rows = await q.orderBy('key').orderBy('seq').execute();
        return rows.map((r) => ({
          key: r.key,
          seq: Number(r.seq),
          from: r.from_status ?? null,
          to: r.to_status,
          at: r.at,
          actor: r.actor,
          reason: r.reason ?? null,
        }));
      };
      if (query.keys === undefined) return read();
      const out: TransitionRecord[] = [];
      const keys = [...new Set(query.keys)].sort();
      for (let i = 0; i < keys.length; i += CHUNK)
        out.push(...(await read(keys.slice(i, i + CHUNK))));
      return out;
    },

    async proofs(orgId) {
      const rows = await k
        .selectFrom('proofs_of_service')
        .select([
          'id',
          'outbox_key',
          'lease_id',
          'method',
          'status',
          'served_on',
          'tracking_number',
        ])
        .where('org_id', '=', orgId)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        outboxKey: r.outbox_key,
        leaseId: r.lease_id,
        method: r.method,
        status: r.status,
        servedOn: r.served_on ?? null,
        trackingNumber: r.tracking_number ?? null,
      }));
    },

    async openTasks(orgId) {
      const rows = await k
        .selectFrom('tasks')
        .select(['id', 'lease_id', 'episode', 'title', 'assignee', 'due_date', 'status'])
        .where('org_id', '=', orgId)
        .where('status', '=', 'open')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        leaseId: r.lease_id ?? null,
        episode: num(r.episode),
        title: r.title,
        assignee: r.assignee ?? null,
        dueDate: r.due_date ?? null,
        status: r.status,
      }));
    },

    async reportedBalances(orgId) {
      const rows = await k
        .selectFrom('lease_state')
        .select(['lease_id', 'reported_balance_cents'])
        .where('org_id', '=', orgId)
        .where('reported_balance_cents', 'is not', null)
        .orderBy('lease_id')
        .execute();
      return rows.map((r) => ({ leaseId: r.lease_id, cents: Number(r.reported_balance_cents) }));
    },

    async scans(orgId, between: InstantRange) {
      const rows = await k
        .selectFrom('scans')
        .select(['id', 'as_of', 'finished_at', 'counts'])
        .where('org_id', '=', orgId)
        .where('finished_at', 'is not', null)
        .where('as_of', '>=', between.from)
        .where('as_of', '<=', between.to)
        .orderBy('as_of')
        .orderBy('id')
        .execute();
      return rows.map((r): ScanRecord => {
        const counts = parseJson(r.counts) as { changes?: unknown } | null;
        const changes = Array.isArray(counts?.changes) ? (counts.changes as Change[]) : [];
        return { id: r.id, asOf: r.as_of, finishedAt: r.finished_at!, changes };
      });
    },
  };
}
