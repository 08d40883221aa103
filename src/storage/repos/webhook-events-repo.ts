/**
 * The WebhookEventStore over `webhook_events`: a provider event is claimed by inserting
 * its id (the primary key makes concurrent deliveries race safely), marked handled once
 * the connector is done, and given back when handling failed. A claim left behind by a
 * crashed process is taken over after `staleAfterMs`.
 */
import type { WebhookClaim, WebhookEventStore } from '../../app/ports/webhooks.js';
import type { Db } from '../database.js';

export interface WebhookEventsRepoOptions {
  /** A claim older than this is taken over by the next delivery (default 5 minutes). */
  staleAfterMs?: number;
}

export function createWebhookEventsRepo(
  db: Db,
  orgId: string,
  options: WebhookEventsRepoOptions = {},
): WebhookEventStore {
  const staleAfterMs = options.staleAfterMs ?? 5 * 60_000;
  const k = db.kysely;

  return {
    async claim(connector, eventId, at): Promise<WebhookClaim> {
      const inserted = await k
        .insertInto('webhook_events')
        .values({
          org_id: orgId,
          connector,
          event_id: eventId,
          received_at: at,
          claimed_at: at,
          handled_at: null,
        })
        .onConflict((oc) => oc.columns(['org_id', 'connector', 'event_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0)
        return { status: 'claimed', token: at };

      const existing = await k
        .selectFrom('webhook_events')
        .select(['claimed_at', 'handled_at'])
        .where('org_id', '=', orgId)
        .where('connector', '=', connector)
        .where('event_id', '=', eventId)
        .executeTakeFirst();
      if (!existing || existing.handled_at !== null) return { status: 'duplicate' };
      const staleBefore = new Date(Date.parse(at) - staleAfterMs).toISOString();
      if (existing.claimed_at >= staleBefore) return { status: 'in_progress' };
      // Take the stale claim over, unless another delivery just did.
      const taken = await k
        .updateTable('webhook_events')
        .set({ claimed_at: at })
        .where('org_id', '=', orgId)
        .where('connector', '=', connector)
        .where('event_id', '=', eventId)
        .where('handled_at', 'is', null)
        .where('claimed_at', '=', existing.claimed_at)
        .executeTakeFirst();
      return Number(taken.numUpdatedRows) > 0
        ? { status: 'claimed', token: at }
        : { status: 'in_progress' };
    },

    async complete(connector, eventId, token, at) {
      await k
        .updateTable('webhook_events')
        .set({ handled_at: at })
        .where('org_id', '=', orgId)
        .where('connector', '=', connector)
        .where('event_id', '=', eventId)
        .where('claimed_at', '=', token)
        .where('handled_at', 'is', null)
        .execute();
    },

    async release(connector, eventId, token) {
      await k
        .deleteFrom('webhook_events')
        .where('org_id', '=', orgId)
        .where('connector', '=', connector)
        .where('event_id', '=', eventId)
        .where('claimed_at', '=', token)
        .where('handled_at', 'is', null)
        .execute();
    },
  };
}
