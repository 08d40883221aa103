/**
 * 0010: `report_schedules`, reports delivered by e-mail on a cron pattern in a time zone
 * (app/deliver-scheduled-reports.ts). `last_run_at` is the scheduled instant (the slot)
 * last delivered or skipped; moving it forward is the claim that keeps two workers from
 * delivering the same slot twice.
 */
import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function reportSchedulesMigration(T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      const text = T.text;
      await db.schema
        .createTable('report_schedules')
        .addColumn('org_id', text, (c) => c.notNull().references('organisations.id'))
        .addColumn('id', text, (c) => c.notNull())
        .addColumn('report', text, (c) => c.notNull())
        .addColumn('owner_id', text)
        .addColumn('recipients', text, (c) => c.notNull())
        .addColumn('cron', text, (c) => c.notNull().defaultTo('0 8 * * 1'))
        .addColumn('timezone', text, (c) => c.notNull())
        .addColumn('last_run_at', text)
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('created_by', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('report_schedules_pk', ['org_id', 'id'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropTable('report_schedules').execute();
    },
  };
}
