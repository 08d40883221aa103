/**
 * 0001: the whole initial schema of the operational engine (types in ../schema.ts).
 * Never edit a released migration: add 0002-….ts and register it in ./index.ts.
 */
import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function initialMigration(T: ColumnTypes): Migration {
  return {
    async up(db) {
      await up(db, T);
    },
    async down(db) {
      for (const table of [...CREATED].reverse()) await db.schema.dropTable(table).execute();
    },
  };
}

const CREATED = [
  'organisations',
  'users',
  'sources',
  'properties',
  'tenants',
  'leases',
  'lease_tenants',
  'ledger_entries',
  'events',
  'holds',
  'policies',
  'cases',
  'lease_state',
  'outbox',
  'outbox_versions',
  'approvals',
  'outbox_transitions',
  'tasks',
  'documents',
  'proofs_of_service',
  'replies',
  'scans',
  'audit',
  'import_files',
  'settings',
] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
async function up(db: Kysely<any>, T: ColumnTypes): Promise<void> {
  const text = T.text;
  /** A table whose rows belong to one organisation. */
  const orgTable = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn('org_id', text, (c) => c.notNull().references('organisations.id'));
  const index = (name: string, table: string, columns: string[]) =>
    db.schema.createIndex(name).on(table).columns(columns).execute();

  await db.schema
    .createTable('organisations')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('audit_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('audit_hash', text, (c) => c.notNull().defaultTo('0'.repeat(64)))
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', text, (c) => c.primaryKey())
    .addColumn('org_id', text, (c) => c.notNull().references('organisations.id'))
    .addColumn('email', text, (c) => c.notNull())
    .addColumn('role', text, (c) => c.notNull())
    .addColumn('password_hash', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addUniqueConstraint('users_email_uq', ['org_id', 'email'])
    .execute();

  await orgTable('sources')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('last_sync_at', text)
    .addColumn('data', text)
    .addColumn('updated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('sources_pk', ['org_id', 'id'])
    .execute();

  // Portfolio: properties, tenants, leases, lease_tenants, ledger_entries.
  await orgTable('properties')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('timezone', text, (c) => c.notNull())
    .addColumn('jurisdiction', text, (c) => c.notNull())
    .addColumn('kind', text, (c) => c.notNull())
    .addColumn('owner_id', text)
    .addColumn('run_at', text, (c) => c.notNull().defaultTo('09:00'))
    .addColumn('source_id', text)
    .addColumn('data', text, (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('properties_pk', ['org_id', 'id'])
    .execute();

  await orgTable('tenants')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('name', text, (c) => c.notNull())
    .addColumn('email', text)
    .addColumn('phone', text)
    .addColumn('language', text, (c) => c.notNull().defaultTo('en'))
    .addColumn('role', text, (c) => c.notNull().defaultTo('primary'))
    .addColumn('source_id', text)
    .addColumn('data', text, (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('tenants_pk', ['org_id', 'id'])
    .execute();
  await index('tenants_phone_idx', 'tenants', ['org_id', 'phone']);
  await index('tenants_email_idx', 'tenants', ['org_id', 'email']);

  await orgTable('leases')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('property_id', text, (c) => c.notNull())
    .addColumn('unit', text, (c) => c.notNull().defaultTo(''))
    .addColumn('space_type', text)
    .addColumn('rent_cents', 'bigint', (c) => c.notNull())
    .addColumn('status', text)
    .addColumn('source_id', text)
    .addColumn('data', text, (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('leases_pk', ['org_id', 'id'])
    .addForeignKeyConstraint('leases_property_fk', ['org_id', 'property_id'], 'properties', [
      'org_id',
      'id',
    ])
    .execute();
  await index('leases_property_idx', 'leases', ['org_id', 'property_id']);

  await orgTable('lease_tenants')
    .addColumn('lease_id', text, (c) => c.notNull())
    .addColumn('tenant_id', text, (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('lease_tenants_pk', ['org_id', 'lease_id', 'tenant_id'])
    .addForeignKeyConstraint('lease_tenants_lease_fk', ['org_id', 'lease_id'], 'leases', [
      'org_id',
      'id',
    ])
    .addForeignKeyConstraint('lease_tenants_tenant_fk', ['org_id', 'tenant_id'], 'tenants', [
      'org_id',
      'id',
    ])
    .execute();
  await index('lease_tenants_tenant_idx', 'lease_tenants', ['org_id', 'tenant_id']);

  await orgTable('ledger_entries')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('lease_id', text, (c) => c.notNull())
    .addColumn('date', text, (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('category', text)
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('due_date', text)
    .addColumn('reverses', text)
    .addColumn('applies_to', text)
    .addColumn('source_id', text)
    .addColumn('data', text, (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_entries_pk', ['org_id', 'id'])
    .addForeignKeyConstraint('ledger_entries_lease_fk', ['org_id', 'lease_id'], 'leases', [
      'org_id',
      'id',
    ])
    .execute();
  await index('ledger_entries_lease_idx', 'ledger_entries', ['org_id', 'lease_id', 'date']);

  // What happens to a portfolio: events, holds.
  await orgTable('events')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('date', text, (c) => c.notNull())
    .addColumn('at', text)
    .addColumn('lease_id', text)
    .addColumn('tenant_id', text)
    .addColumn('property_id', text)
    .addColumn('payload', text, (c) => c.notNull())
    .addColumn('source', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('events_pk', ['org_id', 'id'])
    .execute();
  await index('events_lease_idx', 'events', ['org_id', 'lease_id', 'date']);

  await orgTable('holds')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('scope', text, (c) => c.notNull())
    .addColumn('scope_id', text, (c) => c.notNull())
    .addColumn('lease_id', text)
    .addColumn('start_date', text, (c) => c.notNull())
    .addColumn('until', text)
    .addColumn('released_on', text)
    .addColumn('released_at', text)
    .addColumn('source', text, (c) => c.notNull())
    .addColumn('data', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('holds_pk', ['org_id', 'id'])
    .execute();
  await index('holds_scope_idx', 'holds', ['org_id', 'scope', 'scope_id']);
  await index('holds_lease_idx', 'holds', ['org_id', 'lease_id']);

  // Policies and what the evaluator keeps between runs.
  await orgTable('policies')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('body', text, (c) => c.notNull())
    .addColumn('author', text, (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('policies_pk', ['org_id', 'id', 'version'])
    .execute();

  await orgTable('cases')
    .addColumn('lease_id', text, (c) => c.notNull())
    .addColumn('episode', 'integer', (c) => c.notNull())
    .addColumn('opened', text, (c) => c.notNull())
    .addColumn('anchor', text, (c) => c.notNull())
    .addColumn('closed', text)
    .addColumn('outcome', text)
    .addColumn('policy_id', text)
    .addColumn('policy_version', 'integer')
    .addColumn('state', text, (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('cases_pk', ['org_id', 'lease_id', 'episode'])
    .addForeignKeyConstraint('cases_lease_fk', ['org_id', 'lease_id'], 'leases', ['org_id', 'id'])
    .execute();
  await index('cases_closed_idx', 'cases', ['org_id', 'closed']);

  await orgTable('lease_state')
    .addColumn('lease_id', text, (c) => c.notNull())
    .addColumn('input_hash', text, (c) => c.notNull())
    .addColumn('next_due_at', text)
    .addColumn('readiness', text, (c) => c.notNull())
    .addColumn('readiness_reason', text)
    .addColumn('evaluated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('lease_state_pk', ['org_id', 'lease_id'])
    .addForeignKeyConstraint('lease_state_lease_fk', ['org_id', 'lease_id'], 'leases', [
      'org_id',
      'id',
    ])
    .execute();
  await index('lease_state_next_due_idx', 'lease_state', ['next_due_at']);

  // The outbox and its history.
  await orgTable('outbox')
    .addColumn('key', text, (c) => c.notNull())
    .addColumn('lease_id', text, (c) => c.notNull())
    .addColumn('episode', 'integer', (c) => c.notNull())
    .addColumn('stage', text, (c) => c.notNull())
    .addColumn('action', text, (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('channel', text)
    .addColumn('method', text)
    .addColumn('contact_id', text)
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('reason', text)
    .addColumn('payload', text, (c) => c.notNull().defaultTo('{}'))
    .addColumn('policy_id', text)
    .addColumn('policy_version', 'integer')
    .addColumn('amount_cents', 'bigint')
    .addColumn('approvals_required', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('due_at', text, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('claimed_by', text)
    .addColumn('claim_expires_at', text)
    .addColumn('provider', text)
    .addColumn('provider_id', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('outbox_pk', ['org_id', 'key'])
    .execute();
  await index('outbox_status_due_idx', 'outbox', ['status', 'due_at']);
  await index('outbox_lease_idx', 'outbox', ['org_id', 'lease_id']);
  await index('outbox_provider_idx', 'outbox', ['provider', 'provider_id']);

  const outboxChild = (name: string) => orgTable(name).addColumn('key', text, (c) => c.notNull());

  await outboxChild('outbox_versions')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('content', text, (c) => c.notNull())
    .addColumn('diff', text)
    .addColumn('by', text, (c) => c.notNull())
    .addColumn('at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('outbox_versions_pk', ['org_id', 'key', 'version'])
    .addForeignKeyConstraint('outbox_versions_outbox_fk', ['org_id', 'key'], 'outbox', [
      'org_id',
      'key',
    ])
    .execute();

  await outboxChild('approvals')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
    .addColumn('decision', text, (c) => c.notNull())
    .addColumn('reason', text)
    .addColumn('at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('approvals_pk', ['org_id', 'key', 'version', 'user_id'])
    .addForeignKeyConstraint('approvals_outbox_fk', ['org_id', 'key'], 'outbox', ['org_id', 'key'])
    .execute();

  await outboxChild('outbox_transitions')
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('from_status', text)
    .addColumn('to_status', text, (c) => c.notNull())
    .addColumn('at', text, (c) => c.notNull())
    .addColumn('actor', text, (c) => c.notNull())
    .addColumn('reason', text)
    .addPrimaryKeyConstraint('outbox_transitions_pk', ['org_id', 'key', 'seq'])
    .addForeignKeyConstraint('outbox_transitions_outbox_fk', ['org_id', 'key'], 'outbox', [
      'org_id',
      'key',
    ])
    .execute();

  await orgTable('tasks')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('lease_id', text)
    .addColumn('episode', 'integer')
    .addColumn('outbox_key', text)
    .addColumn('title', text, (c) => c.notNull())
    .addColumn('category', text)
    .addColumn('assignee', text)
    .addColumn('due_date', text)
    .addColumn('status', text, (c) => c.notNull().defaultTo('open'))
    .addColumn('data', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('completed_at', text)
    .addPrimaryKeyConstraint('tasks_pk', ['org_id', 'id'])
    .execute();
  await index('tasks_status_idx', 'tasks', ['org_id', 'status', 'due_date']);

  // Documents and proof.
  await db.schema
    .createTable('documents')
    .addColumn('sha256', text, (c) => c.primaryKey())
    .addColumn('bytes', T.blob, (c) => c.notNull())
    .addColumn('content_type', text, (c) => c.notNull())
    .addColumn('byte_size', 'integer', (c) => c.notNull())
    .addColumn('created_at', text, (c) => c.notNull())
    .execute();

  await orgTable('proofs_of_service')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('outbox_key', text, (c) => c.notNull())
    .addColumn('lease_id', text, (c) => c.notNull())
    .addColumn('contact_id', text)
    .addColumn('method', text, (c) => c.notNull())
    .addColumn('provider', text)
    .addColumn('provider_id', text)
    .addColumn('tracking_number', text)
    .addColumn('document_sha256', text, (c) => c.references('documents.sha256'))
    .addColumn('status', text, (c) => c.notNull())
    .addColumn('served_on', text)
    .addColumn('data', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('proofs_of_service_pk', ['org_id', 'id'])
    .execute();
  await index('proofs_of_service_lease_idx', 'proofs_of_service', ['org_id', 'lease_id']);
  await index('proofs_of_service_outbox_idx', 'proofs_of_service', ['org_id', 'outbox_key']);

  await orgTable('replies')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('lease_id', text)
    .addColumn('tenant_id', text)
    .addColumn('channel', text, (c) => c.notNull())
    .addColumn('from_address', text)
    .addColumn('body', text, (c) => c.notNull())
    .addColumn('received_at', text, (c) => c.notNull())
    .addColumn('intent', text)
    .addColumn('classification', text)
    .addColumn('provider', text)
    .addColumn('provider_id', text)
    .addColumn('created_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('replies_pk', ['org_id', 'id'])
    // NULLs are distinct on both engines: only replies with a provider id are deduplicated.
    .addUniqueConstraint('replies_provider_uq', ['org_id', 'provider', 'provider_id'])
    .execute();
  await index('replies_lease_idx', 'replies', ['org_id', 'lease_id']);

  // Runs, audit, imports, settings.
  await orgTable('scans')
    .addColumn('id', text, (c) => c.notNull())
    .addColumn('started_at', text, (c) => c.notNull())
    .addColumn('finished_at', text)
    .addColumn('as_of', text, (c) => c.notNull())
    .addColumn('counts', text)
    .addPrimaryKeyConstraint('scans_pk', ['org_id', 'id'])
    .execute();
  await index('scans_started_idx', 'scans', ['org_id', 'started_at']);

  await orgTable('audit')
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', text, (c) => c.notNull())
    .addColumn('actor', text, (c) => c.notNull())
    .addColumn('type', text, (c) => c.notNull())
    .addColumn('subject', text, (c) => c.notNull())
    .addColumn('data', text, (c) => c.notNull())
    .addColumn('data_hash', text, (c) => c.notNull())
    .addColumn('prev_hash', text, (c) => c.notNull())
    .addColumn('hash', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_pk', ['org_id', 'seq'])
    .execute();
  await index('audit_subject_idx', 'audit', ['org_id', 'subject']);

  await orgTable('import_files')
    .addColumn('sha256', text, (c) => c.notNull())
    .addColumn('file_name', text, (c) => c.notNull())
    .addColumn('format', text, (c) => c.notNull())
    .addColumn('imported_at', text, (c) => c.notNull())
    .addColumn('counts', text)
    .addPrimaryKeyConstraint('import_files_pk', ['org_id', 'sha256'])
    .execute();

  await orgTable('settings')
    .addColumn('key', text, (c) => c.notNull())
    .addColumn('value', text, (c) => c.notNull())
    .addColumn('updated_at', text, (c) => c.notNull())
    .addPrimaryKeyConstraint('settings_pk', ['org_id', 'key'])
    .execute();
}
