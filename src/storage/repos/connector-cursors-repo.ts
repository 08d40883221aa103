/** `connector_cursors`: `CursorStore` (app/ports/cursors.ts). */
import type { Clock } from '../../app/ports/clock.js';
import type { CursorStore } from '../../app/ports/cursors.js';
import type { Db } from '../database.js';

export function connectorCursorsRepo(db: Db, clock: Clock): CursorStore {
  return {
    async get(orgId, connector, stream) {
      const row = await db.kysely
        .selectFrom('connector_cursors')
        .select(['cursor', 'last_run_at', 'last_error'])
        .where('org_id', '=', orgId)
        .where('connector', '=', connector)
        .where('stream', '=', stream)
        .executeTakeFirst();
      return row
        ? { cursor: row.cursor, lastRunAt: row.last_run_at, lastError: row.last_error }
        : { cursor: null, lastRunAt: null, lastError: null };
    },
    async set(orgId, connector, stream, value) {
      const at = new Date(clock.now()).toISOString();
      await db.transaction(async (trx) => {
        await trx
          .deleteFrom('connector_cursors')
          .where('org_id', '=', orgId)
          .where('connector', '=', connector)
          .where('stream', '=', stream)
          .execute();
        await trx
          .insertInto('connector_cursors')
          .values({
            org_id: orgId,
            connector,
            stream,
            cursor: value.cursor,
            last_run_at: value.lastRunAt,
            last_error: value.lastError,
            updated_at: at,
          })
          .execute();
      });
    },
  };
}
