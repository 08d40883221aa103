/**
 * 0009: `gate_attestations`, what people attest for the pre-sale and pre-filing gates
 * (SPEC 3.4 `auction` / `escalate`, R13; domain/gates/gate.ts, app/pre-action-gate.ts).
 * One row per outbox key and item: a later attestation replaces the earlier one (both are
 * in the audit chain, which is where the history lives).
 */
import type { Kysely, Migration } from 'kysely';
import type { ColumnTypes } from '../database.js';

export function gateAttestationsMigration(T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      const text = T.text;
      await db.schema
        .createTable('gate_attestations')
        .addColumn('org_id', text, (c) => c.notNull().references('organisations.id'))
        .addColumn('outbox_key', text, (c) => c.notNull())
        .addColumn('item', text, (c) => c.notNull())
        .addColumn('user_id', text, (c) => c.notNull())
        .addColumn('at', text, (c) => c.notNull())
        .addColumn('evidence', text, (c) => c.notNull())
        .addPrimaryKeyConstraint('gate_attestations_pk', ['org_id', 'outbox_key', 'item'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      await db.schema.dropTable('gate_attestations').execute();
    },
  };
}
