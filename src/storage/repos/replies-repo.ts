/**
 * Inbound messages in `replies`, and what receiving one writes alongside (app/receive-reply.ts
 * `InboundStore`): the tenants and leases a sender's phone or e-mail leads to, the `reply` and
 * `delivery` events the evaluator reads, the leases they mark changed, and the audit entries —
 * all in the caller's transaction, which holds the organisation's write lock.
 *
 * Events are written exactly as the portfolio store writes them (`events` rows keyed by the
 * content id of portfolio-repo's `eventId`, so the same event is stored once whoever writes
 * it), but inside this transaction: a reply, its events, its suggestion, its automatic answer
 * and its audit entries commit together or not at all.
 */
import { sql } from 'kysely';
import type {
  ContactPoint,
  EventWrite,
  InboundStore,
  LeaseFacts,
  NewReply,
  ReplyQuery,
  SenderMatch,
  StoredReply,
} from '../../app/receive-reply.js';
import type { JsonObject } from '../../app/ports/outbox.js';
import { canonicalJson } from '../../domain/audit/canonical-json.js';
import type { PortfolioEvent } from '../../domain/portfolio/schema.js';
import type { ReplyIntent } from '../../domain/replies/classify.js';
import { storedInstant, type Db, type DbTransaction } from '../database.js';
import { appendAuditMany } from './audit-repo.js';
import { lockOrganisation } from './organisations-repo.js';
import { eventId } from './portfolio-repo.js';
import { markLeasesChanged } from './scan-state-repo.js';
import { chunks } from './bulk-rows.js';

const IN_CHUNK = 400;

function parseObject(text: string | null): JsonObject {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
  } catch {
    return {};
  }
}

function parseList(text: string | null): string[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

type ReplyRow = {
  id: string;
  lease_id: string | null;
  tenant_id: string | null;
  episode: number | null;
  channel: string;
  from_address: string | null;
  to_address: string | null;
  body: string;
  received_at: string;
  intent: string | null;
  classification: string | null;
  provider: string | null;
  provider_id: string | null;
  status: string | null;
  lease_ids: string | null;
  created_at: string;
};

const REPLY_COLUMNS = [
  'id',
  'lease_id',
  'tenant_id',
  'episode',
  'channel',
  'from_address',
  'to_address',
  'body',
  'received_at',
  'intent',
  'classification',
  'provider',
  'provider_id',
  'status',
  'lease_ids',
  'created_at',
] as const;

export function toStoredReply(r: ReplyRow): StoredReply {
  return {
    id: r.id,
    leaseId: r.lease_id,
    tenantId: r.tenant_id,
    episode: r.episode === null ? null : Number(r.episode),
    channel: r.channel as StoredReply['channel'],
    from: r.from_address ?? '',
    to: r.to_address,
    body: r.body,
    receivedAt: r.received_at,
    intent: (r.intent ?? 'other') as ReplyIntent,
    classification: parseObject(r.classification),
    provider: r.provider ?? '',
    providerMessageId: r.provider_id ?? '',
    status: r.status === 'unmatched' ? 'unmatched' : 'matched',
    leaseIds: r.lease_ids ? parseList(r.lease_ids) : r.lease_id ? [r.lease_id] : [],
    createdAt: r.created_at,
  };
}

/** Open and latest episode of each lease. */
async function episodesOf(
  trx: DbTransaction,
  orgId: string,
  leaseIds: readonly string[],
): Promise<Map<string, { open: number | null; last: number | null }>> {
  const out = new Map<string, { open: number | null; last: number | null }>();
  for (const part of chunks(leaseIds, IN_CHUNK)) {
    const rows = await trx
      .selectFrom('cases')
      .select(['lease_id', 'episode', 'closed'])
      .where('org_id', '=', orgId)
      .where('lease_id', 'in', part)
      .execute();
    for (const r of rows) {
      const e = Number(r.episode);
      const seen = out.get(r.lease_id) ?? { open: null, last: null };
      if (seen.last === null || e > seen.last) seen.last = e;
      if (r.closed === null && (seen.open === null || e > seen.open)) seen.open = e;
      out.set(r.lease_id, seen);
    }
  }
  return out;
}

export function createRepliesRepo(db: Db): InboundStore<DbTransaction> {
  return {
    transaction: (orgId, fn) =>
      db.transaction(async (trx) => {
        await lockOrganisation(trx, orgId);
        return fn(trx);
      }),

    async matchSender(trx, orgId, point: ContactPoint): Promise<SenderMatch[]> {
      let q = trx
        .selectFrom('tenants')
        .select(['id', 'role', 'phone', 'email', 'language'])
        .where('org_id', '=', orgId);
      q =
        point.kind === 'phone'
          ? q.where('phone', '=', point.value)
          : q.where(sql<string>`lower(email)`, '=', point.value.toLowerCase());
      const tenants = await q.execute();
      if (tenants.length === 0) return [];
      const byId = new Map(tenants.map((t) => [t.id, t]));
      const links: {
        tenant_id: string;
        lease_id: string;
        property_id: string;
        name: string;
        timezone: string;
        data: string;
      }[] = [];
      for (const part of chunks([...byId.keys()], IN_CHUNK))
        links.push(
          ...(await trx
            .selectFrom('lease_tenants')
            .innerJoin('leases', (j) =>
              j
                .onRef('leases.org_id', '=', 'lease_tenants.org_id')
                .onRef('leases.id', '=', 'lease_tenants.lease_id'),
            )
            .innerJoin('properties', (j) =>
              j
                .onRef('properties.org_id', '=', 'leases.org_id')
                .onRef('properties.id', '=', 'leases.property_id'),
            )
            .select([
              'lease_tenants.tenant_id',
              'leases.id as lease_id',
              'leases.property_id',
              'properties.name',
              'properties.timezone',
              'properties.data',
            ])
            .where('lease_tenants.org_id', '=', orgId)
            .where('lease_tenants.tenant_id', 'in', part)
            .execute()),
        );
      const episodes = await episodesOf(trx, orgId, [...new Set(links.map((l) => l.lease_id))]);
      return links.map((l) => {
        const t = byId.get(l.tenant_id)!;
        const p = parseObject(l.data);
        const e = episodes.get(l.lease_id);
        return {
          tenantId: t.id,
          tenantRole: t.role,
          tenantPhone: t.phone,
          tenantEmail: t.email,
          language: t.language,
          leaseId: l.lease_id,
          propertyId: l.property_id,
          timezone: l.timezone,
          office: {
            name: l.name,
            phone: typeof p.phone === 'string' ? p.phone : null,
            email: typeof p.email === 'string' ? p.email : null,
          },
          openEpisode: e?.open ?? null,
          lastEpisode: e?.last ?? null,
        };
      });
    },

    async replyByProviderId(trx, orgId, provider, providerMessageId) {
      const row = await trx
        .selectFrom('replies')
        .select(REPLY_COLUMNS)
        .where('org_id', '=', orgId)
        .where('provider', '=', provider)
        .where('provider_id', '=', providerMessageId)
        .executeTakeFirst();
      return row && toStoredReply(row);
    },

    async insertReply(trx, orgId, r: NewReply) {
      const result = await trx
        .insertInto('replies')
        .values({
          org_id: orgId,
          id: r.id,
          lease_id: r.leaseId,
          tenant_id: r.tenantId,
          episode: r.episode,
          channel: r.channel,
          from_address: r.from,
          to_address: r.to,
          body: r.body,
          received_at: storedInstant(r.receivedAt),
          intent: r.intent,
          classification: canonicalJson(r.classification),
          provider: r.provider,
          provider_id: r.providerMessageId,
          status: r.status,
          lease_ids: JSON.stringify(r.leaseIds),
          created_at: storedInstant(r.createdAt),
        })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async addEvents(trx, orgId, events: PortfolioEvent[], write: EventWrite) {
      const stored = await addEventsEach(
        trx,
        orgId,
        events.map((event) => ({ event, write })),
      );
      return stored.filter(Boolean).length;
    },

    addEventsEach,

    async outboxKeysByProviderIds(trx, orgId, providerIds) {
      const out = new Map<string, string[]>();
      for (const part of chunks([...new Set(providerIds)], IN_CHUNK)) {
        const rows = await trx
          .selectFrom('outbox')
          .select(['provider_id', 'key'])
          .where('org_id', '=', orgId)
          .where('provider_id', 'in', part)
          .orderBy('provider_id')
          .orderBy('updated_at', 'desc')
          .orderBy('key')
          .execute();
        for (const r of rows) {
          const keys = out.get(r.provider_id!) ?? [];
          keys.push(r.key);
          out.set(r.provider_id!, keys);
        }
      }
      return out;
    },

    async leaseFacts(trx, orgId, leaseId) {
      return (await leaseFactsMany(trx, orgId, [leaseId])).get(leaseId);
    },

    leaseFactsMany,

    async audit(trx, orgId, entries) {
      await appendAuditMany(trx, orgId, entries);
    },

    async listReplies(orgId, query: ReplyQuery) {
      const scoped = query.propertyIds !== undefined && query.propertyIds !== null;
      if (scoped && query.propertyIds!.length === 0) return [];
      let q = db.kysely.selectFrom('replies').select(REPLY_COLUMNS).where('org_id', '=', orgId);
      if (scoped) {
        const pids = [...query.propertyIds!];
        // Unmatched replies (no lease) belong to no property: a limited caller never sees them.
        q = q.where((eb) =>
          eb(
            'replies.lease_id',
            'in',
            eb
              .selectFrom('leases')
              .select('leases.id')
              .where('leases.org_id', '=', orgId)
              .where('leases.property_id', 'in', pids),
          ),
        );
      }
      if (query.leaseId !== undefined) {
        const leaseId = query.leaseId;
        // A reply reaches every lease of its sender; `lease_ids` is a JSON array of strings.
        const pattern = `%${JSON.stringify(leaseId).replace(/[%_\\]/g, '\\$&')}%`;
        q = q.where((eb) =>
          eb.or([
            eb('lease_id', '=', leaseId),
            sql<boolean>`lease_ids like ${pattern} escape '\\'`,
          ]),
        );
      }
      if (query.status === 'unmatched') q = q.where('status', '=', 'unmatched');
      else if (query.status === 'matched')
        q = q.where((eb) => eb.or([eb('status', '=', 'matched'), eb('status', 'is', null)]));
      if (query.after) {
        const [at, id] = query.after;
        q = q.where((eb) =>
          eb.or([
            eb('received_at', '>', at),
            eb.and([eb('received_at', '=', at), eb('id', '>', id)]),
          ]),
        );
      }
      const rows = await q.orderBy('received_at').orderBy('id').limit(query.limit).execute();
      return rows.map(toStoredReply);
    },
  };
}

/**
 * Events each with its own write, in one insert per hundred: the first of a repeated event
 * is the one stored (as when they are added one after the other). The leases of the events
 * stored now are marked changed at the latest of their writes' instants, once.
 */
async function addEventsEach(
  trx: DbTransaction,
  orgId: string,
  events: readonly { event: PortfolioEvent; write: EventWrite }[],
): Promise<boolean[]> {
  const stored = events.map(() => false);
  const first = new Map<string, { row: ReturnType<typeof eventRow>; index: number }>();
  events.forEach(({ event, write }, index) => {
    if (event.leaseId === undefined)
      throw new Error(`an inbound ${event.type} event must name its lease`);
    const row = eventRow(orgId, event, write);
    if (!first.has(row.id)) first.set(row.id, { row, index });
  });
  const inserted: string[] = [];
  for (const part of chunks(
    [...first.values()].map((f) => f.row),
    100,
  )) {
    const result = await trx
      .insertInto('events')
      .values(part)
      .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
      .returning(['id'])
      .execute();
    inserted.push(...result.map((r) => r.id));
  }
  const leaseIds = new Set<string>();
  let changedAt = '';
  for (const id of inserted) {
    const { row, index } = first.get(id)!;
    stored[index] = true;
    leaseIds.add(row.lease_id!);
    if (row.created_at > changedAt) changedAt = row.created_at;
  }
  await markLeasesChanged(trx, orgId, [...leaseIds].sort(), changedAt);
  return stored;
}

/** Each lease's property, timezone and cases (open and latest), in one read per 400 leases. */
async function leaseFactsMany(
  trx: DbTransaction,
  orgId: string,
  leaseIds: readonly string[],
): Promise<Map<string, LeaseFacts>> {
  const out = new Map<string, LeaseFacts>();
  const episode = (open: boolean) =>
    sql<number | string | null>`(select max(c.episode) from cases c
      where c.org_id = leases.org_id and c.lease_id = leases.id${sql.raw(open ? ' and c.closed is null' : '')})`;
  for (const part of chunks([...new Set(leaseIds)], IN_CHUNK)) {
    const rows = await trx
      .selectFrom('leases')
      .innerJoin('properties', (j) =>
        j
          .onRef('properties.org_id', '=', 'leases.org_id')
          .onRef('properties.id', '=', 'leases.property_id'),
      )
      .select(['leases.id', 'leases.property_id', 'properties.timezone'])
      .select([episode(true).as('open_episode'), episode(false).as('last_episode')])
      .where('leases.org_id', '=', orgId)
      .where('leases.id', 'in', part)
      .execute();
    for (const r of rows)
      out.set(r.id, {
        leaseId: r.id,
        propertyId: r.property_id,
        timezone: r.timezone,
        openEpisode: r.open_episode === null ? null : Number(r.open_episode),
        lastEpisode: r.last_episode === null ? null : Number(r.last_episode),
      });
  }
  return out;
}

function eventRow(orgId: string, e: PortfolioEvent, write: EventWrite) {
  return {
    org_id: orgId,
    id: eventId(e),
    type: e.type,
    date: e.date,
    at: e.at ? storedInstant(e.at) : null,
    lease_id: e.leaseId ?? null,
    tenant_id: null,
    property_id: null,
    payload: canonicalJson(e),
    source: write.source,
    created_at: storedInstant(write.at),
  };
}
