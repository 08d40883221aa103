/**
 * 0006: what proofs of service need beyond 0001 (types in ../schema.ts).
 *
 * - `certificate_ref`: the certified-mail receipt or certificate-of-mailing number. A column
 *   of its own, not in `data`, because erasing a person blanks `data` and the proof that a
 *   notice was mailed must survive that.
 * - `events`: the carrier's history of the mailing (mailed, delivered, returned, refused,
 *   unclaimed), a JSON array appended to in time order. It holds no personal data, so
 *   erasure keeps it too.
 * - an index by tracking number: carrier events arrive with nothing else to find the proof by.
 */
import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function documentsMigration(T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('proofs_of_service')
        .addColumn('certificate_ref', T.text)
        .execute();
      await db.schema
        .alterTable('proofs_of_service')
        .addColumn('events', T.text, (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema
        .createIndex('proofs_of_service_tracking_idx')
        .on('proofs_of_service')
        .columns(['org_id', 'tracking_number'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('proofs_of_service_tracking_idx').execute();
      await db.schema.alterTable('proofs_of_service').dropColumn('events').execute();
      await db.schema.alterTable('proofs_of_service').dropColumn('certificate_ref').execute();
    },
  };
}
