/**
 * Suggestions in `suggestions` (app/receive-reply.ts `SuggestionStore`): what a reply
 * suggests, `open` until staff confirm it or dismiss it. A decision is guarded by
 * `WHERE status = 'open'`, so two people deciding at once cannot both win; the events,
 * tasks and audit entries of the decision are written in the same transaction by the use
 * case (app/confirm-suggestion.ts).
 */
import type { Selectable } from 'kysely';
import type { JsonObject } from '../../app/ports/outbox.js';
import type {
  NewSuggestion,
  Suggestion,
  SuggestionKind,
  SuggestionProposal,
  SuggestionQuery,
  SuggestionStatus,
  SuggestionStore,
  SuggestionView,
} from '../../app/receive-reply.js';
import { canonicalJson } from '../../domain/audit/canonical-json.js';
import type { ReplyIntent } from '../../domain/replies/classify.js';
import { storedInstant, type Db, type DbTransaction } from '../database.js';
import type { SuggestionsTable } from '../schema.js';

type Row = Selectable<SuggestionsTable>;

function parseObject(text: string | null): JsonObject | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : null;
  } catch {
    return null;
  }
}

function toSuggestion(r: Row): Suggestion {
  return {
    id: r.id,
    replyId: r.reply_id,
    leaseId: r.lease_id,
    tenantId: r.tenant_id,
    episode: r.episode === null ? null : Number(r.episode),
    kind: r.kind as SuggestionKind,
    intent: r.intent as ReplyIntent,
    channel: r.channel as Suggestion['channel'],
    replyDate: r.reply_date,
    proposal: (parseObject(r.proposal) ?? {}) as SuggestionProposal,
    status: r.status as SuggestionStatus,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    decision: parseObject(r.decision),
    createdAt: r.created_at,
  };
}

export function createSuggestionsRepo(db: Db): SuggestionStore<DbTransaction> {
  return {
    async insert(trx, orgId, suggestions: NewSuggestion[]) {
      if (suggestions.length === 0) return;
      await trx
        .insertInto('suggestions')
        .values(
          suggestions.map((s) => ({
            org_id: orgId,
            id: s.id,
            reply_id: s.replyId,
            lease_id: s.leaseId,
            tenant_id: s.tenantId,
            episode: s.episode,
            kind: s.kind,
            intent: s.intent,
            channel: s.channel,
            reply_date: s.replyDate,
            proposal: canonicalJson(s.proposal),
            status: 'open',
            decided_by: null,
            decided_at: null,
            decision: null,
            created_at: storedInstant(s.createdAt),
          })),
        )
        .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
        .execute();
    },

    async lock(trx, orgId, id) {
      let q = trx
        .selectFrom('suggestions')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id);
      if (trx.dialect === 'postgres') q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row && toSuggestion(row);
    },

    async decide(trx, orgId, id, d) {
      const result = await trx
        .updateTable('suggestions')
        .set({
          status: d.status,
          decided_by: d.by,
          decided_at: storedInstant(d.at),
          decision: canonicalJson(d.decision),
        })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .where('status', '=', 'open')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async list(orgId, query: SuggestionQuery): Promise<SuggestionView[]> {
      const scoped = query.propertyIds !== undefined && query.propertyIds !== null;
      if (scoped && query.propertyIds!.length === 0) return [];
      let q = db.kysely
        .selectFrom('suggestions')
        .leftJoin('replies', (j) =>
          j
            .onRef('replies.org_id', '=', 'suggestions.org_id')
            .onRef('replies.id', '=', 'suggestions.reply_id'),
        )
        .selectAll('suggestions')
        .select(['replies.body', 'replies.received_at'])
        .where('suggestions.org_id', '=', orgId);
      if (query.status !== undefined) q = q.where('suggestions.status', '=', query.status);
      if (query.leaseId !== undefined) q = q.where('suggestions.lease_id', '=', query.leaseId);
      if (scoped) {
        const pids = [...query.propertyIds!];
        q = q.where((eb) =>
          eb(
            'suggestions.lease_id',
            'in',
            eb
              .selectFrom('leases')
              .select('leases.id')
              .where('leases.org_id', '=', orgId)
              .where('leases.property_id', 'in', pids),
          ),
        );
      }
      if (query.after) {
        const [at, id] = query.after;
        q = q.where((eb) =>
          eb.or([
            eb('suggestions.created_at', '>', at),
            eb.and([eb('suggestions.created_at', '=', at), eb('suggestions.id', '>', id)]),
          ]),
        );
      }
      const rows = await q
        .orderBy('suggestions.created_at')
        .orderBy('suggestions.id')
        .limit(query.limit)
        .execute();
      return rows.map((r) => ({
        ...toSuggestion(r),
        text: r.body ?? '',
        receivedAt: r.received_at ?? r.created_at,
      }));
    },
  };
}
