/**
 * 0004: what incremental scans need per lease: when its data last changed (a write marks
 * it; a scan evaluates leases changed since their last evaluation) and the local date
 * Arrears started managing it (history before it is silent, SPEC R4).
 */
import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function scanStateMigration(T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      await db.schema.alterTable('lease_state').addColumn('changed_at', T.text).execute();
      await db.schema.alterTable('lease_state').addColumn('tracking_from', T.text).execute();
      // What the last scan saw (SPEC 8 "what changed since last run") and the balance the
      // source system reports (SPEC 5 balance_mismatch), both per lease.
      await db.schema.alterTable('lease_state').addColumn('snapshot', T.text).execute();
      await db.schema
        .alterTable('lease_state')
        .addColumn('reported_balance_cents', 'bigint')
        .execute();
      await db.schema
        .createIndex('lease_state_changed_idx')
        .on('lease_state')
        .columns(['org_id', 'changed_at'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('lease_state_changed_idx').execute();
      await db.schema.alterTable('lease_state').dropColumn('reported_balance_cents').execute();
      await db.schema.alterTable('lease_state').dropColumn('snapshot').execute();
      await db.schema.alterTable('lease_state').dropColumn('tracking_from').execute();
      await db.schema.alterTable('lease_state').dropColumn('changed_at').execute();
    },
  };
}
