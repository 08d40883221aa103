/** What each kind of alert last reported (app/send-alerts.ts), in the `settings` table. */
import type { AlertMemory } from '../../app/send-alerts.js';
import type { Db } from '../database.js';

export function alertMemoryRepo(db: Db): AlertMemory {
  const keyOf = (kind: string) => `alerts:${kind}`;
  return {
    async get(orgId, kind) {
      const row = await db.kysely
        .selectFrom('settings')
        .select('value')
        .where('org_id', '=', orgId)
        .where('key', '=', keyOf(kind))
        .executeTakeFirst();
      return row ? (JSON.parse(row.value) as { fingerprint: string; at: string }) : null;
    },
    async set(orgId, kind, value) {
      await db.transaction(async (trx) => {
        await trx
          .deleteFrom('settings')
          .where('org_id', '=', orgId)
          .where('key', '=', keyOf(kind))
          .execute();
        await trx
          .insertInto('settings')
          .values({
            org_id: orgId,
            key: keyOf(kind),
            value: JSON.stringify(value),
            updated_at: value.at,
          })
          .execute();
      });
    },
  };
}
