/**
 * 0003: what the HTTP server keeps (types in ../schema.ts).
 *
 * - `api_tokens`: API tokens for machines, stored as the sha256 of the token only; a
 *   token belongs to one user of one organisation and stops working once revoked.
 * - `webhook_events`: provider event ids already received per connector, so a replayed
 *   webhook is not handled twice. `handled_at` null = being handled since `claimed_at`.
 */
import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function apiTokensWebhookEventsMigration(T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      const text = T.text;
      await db.schema
        .createTable('api_tokens')
        .addColumn('token_sha256', text, (c) => c.primaryKey())
        .addColumn('org_id', text, (c) => c.notNull().references('organisations.id'))
        .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('revoked_at', text)
        .execute();
      await db.schema
        .createIndex('api_tokens_user_idx')
        .on('api_tokens')
        .columns(['org_id', 'user_id'])
        .execute();

      await db.schema
        .createTable('webhook_events')
        .addColumn('org_id', text, (c) => c.notNull().references('organisations.id'))
        .addColumn('connector', text, (c) => c.notNull())
        .addColumn('event_id', text, (c) => c.notNull())
        .addColumn('received_at', text, (c) => c.notNull())
        .addColumn('claimed_at', text, (c) => c.notNull())
        .addColumn('handled_at', text)
        .addPrimaryKeyConstraint('webhook_events_pk', ['org_id', 'connector', 'event_id'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropTable('webhook_events').execute();
      await db.schema.dropTable('api_tokens').execute();
    },
  };
}
