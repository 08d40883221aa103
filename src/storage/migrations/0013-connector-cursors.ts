/**
 * 0013: `connector_cursors`, where each connector's stream stands: a data source's sync
 * cursor (QuickBooks CDC time, Xero modified-since, Buildium lastupdatedfrom …) and a
 * write-back sink's audit sequence number (the case events already written to the CRM).
 */
import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function connectorCursorsMigration(T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      const text = T.text;
      await db.schema
        .createTable('connector_cursors')
        .addColumn('org_id', text, (c) => c.notNull().references('organisations.id'))
        .addColumn('connector', text, (c) => c.notNull())
        /** `source` (pulls) or `sink` (write-back). */
        .addColumn('stream', text, (c) => c.notNull())
        .addColumn('cursor', text)
        .addColumn('last_run_at', text)
        .addColumn('last_error', text)
        .addColumn('updated_at', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('connector_cursors_pk', ['org_id', 'connector', 'stream'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropTable('connector_cursors').execute();
    },
  };
}
