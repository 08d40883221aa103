/**
 * Attempts to reach a contact point (R11 frequency caps at dispatch): the instants items to
 * that contact and channel left `dispatching` for a provider — `sent`, or `unknown` when
 * the answer was lost (it may well have gone, so it counts).
 */
import type { ContactAttempts } from '../../app/ports/outbox.js';
import type { Db } from '../database.js';

export function contactAttemptsStore(db: Db): ContactAttempts {
  return {
    async attemptsSince(orgId, contactId, channel, since, exceptKey) {
      const rows = await db.kysely
        .selectFrom('outbox_transitions as t')
        .innerJoin('outbox as o', (j) =>
          j.onRef('o.org_id', '=', 't.org_id').onRef('o.key', '=', 't.key'),
        )
        .select('t.at')
        .where('o.org_id', '=', orgId)
        .where('o.contact_id', '=', contactId)
        .where('o.channel', '=', channel)
        .where('o.key', '!=', exceptKey)
        .where('t.from_status', '=', 'dispatching')
        .where('t.to_status', 'in', ['sent', 'unknown'])
        .where('t.at', '>=', since)
        .orderBy('t.at')
        .execute();
      return rows.map((r) => Date.parse(r.at));
    },
  };
}
