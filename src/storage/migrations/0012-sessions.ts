/**
 * 0012: dashboard sign-in (SPEC 10). `sessions` keeps the sha256 of each session token
 * (the token itself lives only in the browser's cookie) with its CSRF token and expiry;
 * users gain the scope of what they may see: `owner_id` (an owner sees the properties of
 * that owner) and `property_ids` (a JSON array limiting a manager or clerk to some
 * properties; null = all).
 */
import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function sessionsMigration(T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      const text = T.text;
      await db.schema.alterTable('users').addColumn('owner_id', text).execute();
      await db.schema.alterTable('users').addColumn('property_ids', text).execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_sha256', text, (c) => c.primaryKey())
        .addColumn('org_id', text, (c) => c.notNull().references('organisations.id'))
        .addColumn('user_id', text, (c) => c.notNull())
        .addColumn('csrf_token', text, (c) => c.notNull())
        .addColumn('created_at', text, (c) => c.notNull())
        .addColumn('expires_at', text, (c) => c.notNull())
        .addColumn('revoked_at', text)
        .execute();
      await db.schema
        .createIndex('sessions_user_idx')
        .on('sessions')
        .columns(['org_id', 'user_id'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropTable('sessions').execute();
      await db.schema.alterTable('users').dropColumn('property_ids').execute();
      await db.schema.alterTable('users').dropColumn('owner_id').execute();
    },
  };
}
