/** Organisations: every operational row belongs to one; `default` exists after `migrate`. */
import { queryable, withTransaction, type Db, type DbTransaction } from '../database.js';
import type { Kysely } from 'kysely';
import type { Schema } from '../schema.js';
import { AppError } from '../../domain/errors.js';

export const DEFAULT_ORG_ID = 'default';

export interface Organisation {
  id: string;
  name: string;
  createdAt: string;
}

/** Creates the organisation unless it exists; `created` says which. Never changes an existing one. */
export async function ensureOrganisation(
  target: Db | DbTransaction,
  org: { id: string; name: string; at: string },
): Promise<{ created: boolean }> {
  return withTransaction(target, async (trx) => {
    const result = await trx
      .insertInto('organisations')
      .values({ id: org.id, name: org.name, created_at: org.at })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return { created: Number(result.numInsertedOrUpdatedRows ?? 0) > 0 };
  });
}

/** Makes sure the `default` organisation exists. */
export function ensureDefaultOrganisation(
  target: Db | DbTransaction,
  at: string,
): Promise<{ created: boolean }> {
  return ensureOrganisation(target, { id: DEFAULT_ORG_ID, name: 'Default organisation', at });
}

export async function listOrganisations(db: Db | Kysely<Schema>): Promise<Organisation[]> {
  const rows = await queryable(db)
    .selectFrom('organisations')
    .select(['id', 'name', 'created_at'])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
}

/**
 * Takes the organisation's audit-chain lock at the start of a transaction. Every audited
 * write ends by appending to the chain (which locks the organisation row); taking that
 * lock first keeps concurrent writers from deadlocking on rows they insert before it.
 * SQLite has one writer at a time already.
 *
 * The lock is FOR NO KEY UPDATE, the lock the chain-head UPDATE itself takes (it never
 * changes the key): it excludes other lockers and appenders of the organisation exactly as
 * FOR UPDATE did, but not the FOR KEY SHARE lock a foreign-key check takes, so inserting a
 * row that references the organisation (a webhook claim, say) does not queue behind it.
 * Nothing deletes an organisation row or changes its id.
 */
export async function lockOrganisation(trx: DbTransaction, orgId: string): Promise<void> {
  if (trx.dialect === 'postgres') await lockedHead(trx, orgId);
}

/**
 * `lockOrganisation`, returning the head of the organisation's audit chain as it stands
 * under the lock: a writer that appends later in the transaction can then end it with one
 * statement (`appendAuditMany`'s `head`) instead of reading and moving the head again. On
 * SQLite the head is read (the write lock is held already).
 */
export async function lockAuditHead(
  trx: DbTransaction,
  orgId: string,
): Promise<{ seq: number; hash: string }> {
  const row = await lockedHead(trx, orgId);
  if (!row) throw new AppError('not_found', `organisation ${orgId} does not exist`);
  return { seq: Number(row.audit_seq), hash: row.audit_hash };
}

/** The organisation's chain head, locked on PostgreSQL (SQLite's write lock is held already). */
function lockedHead(trx: DbTransaction, orgId: string) {
  const q = trx
    .selectFrom('organisations')
    .select(['audit_seq', 'audit_hash'])
    .where('id', '=', orgId);
  return (trx.dialect === 'postgres' ? q.forNoKeyUpdate() : q).executeTakeFirst();
}
