/**
 * 0014: indexes for the dashboard's lists with 100,000 open cases (npm run bench:api): the
 * approval queue (drafts by due time), the outbox list (by creation), the history of an
 * item by time, and the open cases in lease order.
 */
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';

export function listIndexesMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('outbox_queue_idx')
        .on('outbox')
        .columns(['org_id', 'status', 'due_at', 'key'])
        .execute();
      await db.schema
        .createIndex('outbox_created_idx')
        .on('outbox')
        .columns(['org_id', 'created_at', 'key'])
        .execute();
      await db.schema
        .createIndex('outbox_transitions_at_idx')
        .on('outbox_transitions')
        .columns(['org_id', 'at'])
        .execute();
      await db.schema
        .createIndex('cases_open_idx')
        .on('cases')
        .columns(['org_id', 'lease_id', 'episode'])
        .where(sql.ref('closed'), 'is', null)
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      for (const name of [
        'cases_open_idx',
        'outbox_transitions_at_idx',
        'outbox_created_idx',
        'outbox_queue_idx',
      ])
        await db.schema.dropIndex(name).execute();
    },
  };
}
