/**
 * 0005: what a scan of a large portfolio needs.
 *
 * Events are found by tenant as well as by lease (a scan asks which leases have any), so
 * they get an index by tenant.
 *
 * On PostgreSQL, the outbox's history tables (transitions and versions) no longer carry a
 * foreign key to `outbox`.
 *
 * PostgreSQL caches the plan of a referential check per connection, planned when the
 * connection first checks the constraint. A connection that first checked it while the
 * outbox was nearly empty keeps a sequential-scan plan, so every history row written
 * afterwards scanned the whole outbox: a first scan of a large portfolio became quadratic
 * (measured: 10,000 leases, 4,917 items, 1.2 s of 4.7 s in this one check, growing with the
 * outbox). History rows are only written by the outbox repositories, in the same
 * transaction as the item they describe, so the key itself is the integrity guarantee.
 * SQLite checks foreign keys through the index and keeps them.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';

const HISTORY = [
  ['outbox_transitions', 'outbox_transitions_outbox_fk'],
  ['outbox_versions', 'outbox_versions_outbox_fk'],
] as const;

export function scanAtScaleMigration(dialect: DialectName): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      await db.schema
        .createIndex('events_tenant_idx')
        .on('events')
        .columns(['org_id', 'tenant_id'])
        .execute();
      if (dialect !== 'postgres') return;
      for (const [table, constraint] of HISTORY)
        await db.schema.alterTable(table).dropConstraint(constraint).execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('events_tenant_idx').execute();
      if (dialect !== 'postgres') return;
      for (const [table, constraint] of HISTORY)
        await sql`alter table ${sql.table(table)} add constraint ${sql.id(constraint)} foreign key (org_id, key) references outbox (org_id, key)`.execute(
          db,
        );
    },
  };
}
