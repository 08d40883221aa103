/**
 * 0018: less work for each row a scan writes. A first scan of 1,000,000 leases writes about
 * a million lease states, 280,000 cases, 470,000 outbox items with as many transitions, and
 * 750,000 audit entries; every constraint check and index entry is paid per row.
 *
 * - The outbox's provider-id indexes become partial (`provider_id is not null`): an item
 *   gets its provider id when it is sent, and the lookups by provider id (delivery
 *   receipts) compare it with a value, which only a non-null id can match. Planned,
 *   skipped and cancelled items (most rows) no longer enter them. On both engines.
 * - On PostgreSQL, the rows the scan writes no longer check foreign keys to `organisations`
 *   and `leases`: `lease_state`, `cases`, `outbox`, `outbox_transitions` and `audit`.
 *   PostgreSQL checks a foreign key with a query per row that also locks the referenced
 *   row (`FOR KEY SHARE`); measured on 2,000 lease states, the two checks took 28 ms of the
 *   insert's 100 ms. These rows are written only by the repositories, for an organisation
 *   and leases read in the same request, and neither organisations nor leases are ever
 *   deleted (erasure overwrites), so the checks guard nothing a caller could break. SQLite
 *   checks a foreign key through the index in-process and keeps them, as in 0005.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../database.js';

const PROVIDER_INDEXES = [
  ['outbox_provider_id_idx', ['org_id', 'provider_id']],
  ['outbox_provider_idx', ['provider', 'provider_id']],
] as const;

const SCAN_WRITTEN = [
  ['lease_state', 'lease_state_org_id_fkey', 'foreign key (org_id) references organisations (id)'],
  [
    'lease_state',
    'lease_state_lease_fk',
    'foreign key (org_id, lease_id) references leases (org_id, id)',
  ],
  ['cases', 'cases_org_id_fkey', 'foreign key (org_id) references organisations (id)'],
  ['cases', 'cases_lease_fk', 'foreign key (org_id, lease_id) references leases (org_id, id)'],
  ['outbox', 'outbox_org_id_fkey', 'foreign key (org_id) references organisations (id)'],
  [
    'outbox_transitions',
    'outbox_transitions_org_id_fkey',
    'foreign key (org_id) references organisations (id)',
  ],
  ['audit', 'audit_org_id_fkey', 'foreign key (org_id) references organisations (id)'],
] as const;

export function scanWriteCostMigration(dialect: DialectName): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      await rebuildProviderIndexes(db, { partial: true });
      if (dialect !== 'postgres') return;
      for (const [table, constraint] of SCAN_WRITTEN)
        await db.schema.alterTable(table).dropConstraint(constraint).execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await rebuildProviderIndexes(db, { partial: false });
      if (dialect !== 'postgres') return;
      for (const [table, constraint, definition] of SCAN_WRITTEN)
        await sql`alter table ${sql.table(table)} add constraint ${sql.id(constraint)} ${sql.raw(definition)}`.execute(
          db,
        );
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
async function rebuildProviderIndexes(db: Kysely<any>, { partial }: { partial: boolean }) {
  for (const [name, columns] of PROVIDER_INDEXES) {
    await db.schema.dropIndex(name).execute();
    const index = db.schema
      .createIndex(name)
      .on('outbox')
      .columns([...columns]);
    await (partial ? index.where(sql.ref('provider_id'), 'is not', null) : index).execute();
  }
}
