/**
 * 0016: the incremental scan finds its leases through indexes instead of reading every
 * lease's state (1,000,000 rows at portfolio scale):
 *
 * - `lease_state_stale_idx`: the leases whose data changed since their last evaluation
 *   (partial: a lease leaves it when it is evaluated, so it holds only the few waiting);
 * - `lease_state_due_idx`: the leases whose next stage date has come, per organisation;
 * - `lease_state_policy_idx`: the leases evaluated under other policies than today's
 *   (read as two ranges around the current fingerprint, which nearly every row has).
 *
 * They replace `lease_state_next_due_idx` (next_due_at alone) and `lease_state_changed_idx`
 * (every row, by changed_at), which the scan no longer reads.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function scanDueIndexesMigration(): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('lease_state_next_due_idx').execute();
      await db.schema.dropIndex('lease_state_changed_idx').execute();
      await db.schema
        .createIndex('lease_state_stale_idx')
        .on('lease_state')
        .columns(['org_id', 'lease_id'])
        .where(sql.ref('changed_at'), '>=', sql.ref('evaluated_at'))
        .execute();
      await db.schema
        .createIndex('lease_state_due_idx')
        .on('lease_state')
        .columns(['org_id', 'next_due_at'])
        .execute();
      await db.schema
        .createIndex('lease_state_policy_idx')
        .on('lease_state')
        .columns(['org_id', 'input_hash'])
        .execute();
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      for (const name of ['lease_state_policy_idx', 'lease_state_due_idx', 'lease_state_stale_idx'])
        await db.schema.dropIndex(name).execute();
      await db.schema
        .createIndex('lease_state_changed_idx')
        .on('lease_state')
        .columns(['org_id', 'changed_at'])
        .execute();
      await db.schema
        .createIndex('lease_state_next_due_idx')
        .on('lease_state')
        .columns(['next_due_at'])
        .execute();
    },
  };
}
