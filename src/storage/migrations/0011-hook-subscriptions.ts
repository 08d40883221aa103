/**
 * 0011: `hook_subscriptions`, Zapier's REST hook subscriptions (app/publish-events.ts).
 * A row is one target URL for one event; `last_seq` is the audit seq it has been delivered
 * up to, and `claim_token` / `claim_until` the delivery lease that keeps two workers from
 * posting the same event (a released lease may still hold `claim_until`: a Retry-After).
 * Unsubscribing or a 410 sets `deleted_at`; the row stays for the record.
 */
import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function hookSubscriptionsMigration(T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      const text = T.text;
      await db.schema
        .createTable('hook_subscriptions')
        .addColumn('org_id', text, (c) => c.notNull().references('organisations.id'))
        .addColumn('id', text, (c) => c.notNull())
        .addColumn('event', text, (c) => c.notNull())
        .addColumn('target_url', text, (c) => c.notNull())
        .addColumn('created_by', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('deleted_at', text)
        .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('claim_token', text)
        .addColumn('claim_until', text)
        .addPrimaryKeyConstraint('hook_subscriptions_pk', ['org_id', 'id'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropTable('hook_subscriptions').execute();
    },
  };
}
