/**
 * 0007: the dispatch-time frequency cap (R11) looks up what was sent to one contact on one
 * channel across every lease; index the outbox that way.
 */
import type { Kysely, Migration } from 'kysely';

export function contactAttemptsMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('outbox_contact_idx')
        .on('outbox')
        .columns(['org_id', 'contact_id', 'channel'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('outbox_contact_idx').execute();
    },
  };
}
