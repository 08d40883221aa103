/**
 * 0017: `webhook_events` becomes the webhook inbox (types in ../schema.ts). A verified event
 * is stored before it is acknowledged, with what its connector's `handle` needs to run it
 * later: under load the server answers once the event is stored and a drainer handles it.
 *
 * - `state`: `queued` (stored, waiting for the drainer), `claimed` (being handled since
 *   `claimed_at`), `handled`, `failed` (gave up after its attempts; needs a human). Rows of
 *   before this migration are `handled`, or `claimed` when `handled_at` is null.
 * - `body` (the bytes as received), `headers` (JSON, without Authorization or Cookie) and
 *   `url` (the public URL called): kept only until the event is handled, then cleared
 *   (bodies hold tenants' messages). Null for connectors that never defer.
 * - `attempts`, `available_at` (a queued event is not taken before), `last_error`.
 * - `webhook_inbox_idx`: the drainer's oldest-first scan of the events not handled (partial:
 *   the handled rows, nearly all of them, stay out of it).
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function webhookInboxMigration(T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      const text = T.text;
      // One column per statement: SQLite adds one at a time.
      const table = () => db.schema.alterTable('webhook_events');
      await table()
        .addColumn('state', text, (c) => c.notNull().defaultTo('handled'))
        .execute();
      await table().addColumn('body', T.blob).execute();
      await table().addColumn('headers', text).execute();
      await table().addColumn('url', text).execute();
      await table()
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await table().addColumn('available_at', text).execute();
      await table().addColumn('last_error', text).execute();
      await db
        .updateTable('webhook_events')
        .set({ state: 'claimed', attempts: 1 })
        .where('handled_at', 'is', null)
        .execute();
      await db.schema
        .createIndex('webhook_inbox_idx')
        .on('webhook_events')
        .columns(['org_id', 'state', 'received_at', 'connector', 'event_id'])
        .where(sql.ref('state'), '<>', 'handled')
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('webhook_inbox_idx').execute();
      for (const column of [
        'last_error',
        'available_at',
        'attempts',
        'url',
        'headers',
        'body',
        'state',
      ])
        await db.schema.alterTable('webhook_events').dropColumn(column).execute();
    },
  };
}
