/**
 * 0008: inbound replies threaded into cases, and the suggestions staff confirm or dismiss
 * (SPEC R12; app/receive-reply.ts, app/confirm-suggestion.ts; types in ../schema.ts).
 *
 * - `replies` gains what threading and the exception list need: the number or address the
 *   tenant wrote to (`to_address`), the open case it was threaded to (`episode`), whether a
 *   tenant was identified (`status`: `matched` / `unmatched`) and every lease the reply
 *   reached (`lease_ids`, JSON: a tenant may rent several units).
 * - `suggestions`: what a reply suggests (a promise hold, a dispute, a hardship hold, a
 *   task …), `open` until staff confirm it (it becomes real events or outbox tasks) or
 *   dismiss it. No free text of the tenant's is copied here (erasure blanks `replies` and
 *   `events`); `proposal` holds only amounts and dates.
 * - `outbox` gets an index on the provider's message id: a delivery receipt names the
 *   message by it.
 */
import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function repliesSuggestionsMigration(T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      const text = T.text;
      // One column per statement: SQLite adds one column per ALTER TABLE.
      await db.schema.alterTable('replies').addColumn('to_address', text).execute();
      await db.schema.alterTable('replies').addColumn('episode', 'integer').execute();
      await db.schema.alterTable('replies').addColumn('status', text).execute();
      await db.schema.alterTable('replies').addColumn('lease_ids', text).execute();
      await db.schema
        .createIndex('replies_status_idx')
        .on('replies')
        .columns(['org_id', 'status', 'received_at'])
        .execute();
      await db.schema
        .createIndex('outbox_provider_id_idx')
        .on('outbox')
        .columns(['org_id', 'provider_id'])
        .execute();

      await db.schema
        .createTable('suggestions')
        .addColumn('org_id', text, (c) => c.notNull().references('organisations.id'))
        .addColumn('id', text, (c) => c.notNull())
        .addColumn('reply_id', text, (c) => c.notNull())
        .addColumn('lease_id', text, (c) => c.notNull())
        .addColumn('tenant_id', text)
        .addColumn('episode', 'integer')
        .addColumn('kind', text, (c) => c.notNull())
        .addColumn('intent', text, (c) => c.notNull())
        .addColumn('channel', text, (c) => c.notNull())
        .addColumn('reply_date', text, (c) => c.notNull())
        .addColumn('proposal', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('decided_by', text)
        .addColumn('decided_at', text)
        .addColumn('decision', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('suggestions_pk', ['org_id', 'id'])
        .execute();
      await db.schema
        .createIndex('suggestions_status_idx')
        .on('suggestions')
        .columns(['org_id', 'status', 'created_at'])
        .execute();
      await db.schema
        .createIndex('suggestions_lease_idx')
        .on('suggestions')
        .columns(['org_id', 'lease_id'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropTable('suggestions').execute();
      await db.schema.dropIndex('outbox_provider_id_idx').execute();
      await db.schema.dropIndex('replies_status_idx').execute();
      await db.schema.alterTable('replies').dropColumn('lease_ids').execute();
      await db.schema.alterTable('replies').dropColumn('status').execute();
      await db.schema.alterTable('replies').dropColumn('episode').execute();
      await db.schema.alterTable('replies').dropColumn('to_address').execute();
    },
  };
}
