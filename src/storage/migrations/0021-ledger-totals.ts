/**
 * 0021: `ledger_totals`, one row per lease with ledger entries: what a scan needs to tell a
 * paid-up lease from the rest without reading its entries (SPEC R1 "as of today" still
 * holds: the totals are used only on a day when every entry is in effect and every charge
 * is past due, see `settledLeases`).
 *
 * The database keeps it, not the code that writes entries: triggers on `ledger_entries`
 * update it in the same statement as the entries, so every writer (imports, syncs, posted
 * fees, waivers, erasure, a hand-run SQL fix) keeps it exact.
 *
 * - `balance_cents`: charges less every other entry (payments, credits, write-offs,
 *   reversals), all dates;
 * - `irregular`: entries the sums cannot settle on their own (reversals, payments
 *   earmarked for a charge);
 * - `last_date`: the latest entry date;
 * - `last_due`: the latest charge due date (`9999-12-31` for a charge without one, which is
 *   never past due), null without charges.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { ColumnTypes, DialectName } from '../database.js';

/** A charge without a due date is never past due: it keeps the totals from being used. */
const NEVER_DUE = '9999-12-31';

export function ledgerTotalsMigration(dialect: DialectName, T: ColumnTypes): Migration {
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ledger_totals')
        .addColumn('org_id', T.text, (c) => c.notNull())
        .addColumn('lease_id', T.text, (c) => c.notNull())
        .addColumn('balance_cents', 'bigint', (c) => c.notNull())
        .addColumn('irregular', 'integer', (c) => c.notNull())
        .addColumn('last_date', T.text, (c) => c.notNull())
        .addColumn('last_due', T.text)
        .addPrimaryKeyConstraint('ledger_totals_pk', ['org_id', 'lease_id'])
        .execute();
      await sql`insert into ledger_totals (org_id, lease_id, balance_cents, irregular, last_date, last_due)
        select org_id, lease_id, ${sql.raw(totalsOf(''))}
        from ledger_entries group by org_id, lease_id`.execute(db);
      for (const statement of dialect === 'postgres' ? POSTGRES_TRIGGERS : SQLITE_TRIGGERS)
        await sql.raw(statement).execute(db);
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are untyped by design
    async down(db: Kysely<any>) {
      const ops = ['insert', 'update', 'delete', ...(dialect === 'postgres' ? ['truncate'] : [])];
      for (const op of ops)
        await sql
          .raw(
            `drop trigger ledger_totals_after_${op}${dialect === 'postgres' ? ' on ledger_entries' : ''}`,
          )
          .execute(db);
      if (dialect === 'postgres')
        for (const fn of ['recount', 'truncate'])
          await sql.raw(`drop function ledger_totals_${fn}()`).execute(db);
      await db.schema.dropTable('ledger_totals').execute();
    },
  };
}

/** The totals' aggregates over entries (columns prefixed with `p`), in table order. */
function totalsOf(p: string): string {
  return `
    sum(case when ${p}type = 'charge' then ${p}amount_cents else -${p}amount_cents end) as balance_cents,
    sum(case when ${p}type = 'reversal' or ${p}applies_to is not null then 1 else 0 end) as irregular,
    max(${p}date) as last_date,
    max(case when ${p}type = 'charge' then coalesce(${p}due_date, '${NEVER_DUE}') end) as last_due`;
}

const COLUMNS = 'org_id, lease_id, balance_cents, irregular, last_date, last_due';

/**
 * The leases of the rows in `rows` counted again from their stored entries, lease by lease
 * through the ledger's lease index (a LATERAL aggregate, which the planner cannot turn
 * into a join over the whole ledger: a transition table has no statistics). A lease left
 * without entries loses its row (`withDeletes`: only an update or a delete can do that).
 */
const recount = (rows: string, withDeletes: boolean) => `
  insert into ledger_totals as t (${COLUMNS})
    select x.org_id, x.lease_id, s.balance_cents, s.irregular, s.last_date, s.last_due
    from (select distinct org_id, lease_id from ${rows}) x
    cross join lateral (
      select ${totalsOf('e.')} from ledger_entries e
      where e.org_id = x.org_id and e.lease_id = x.lease_id) s
    where s.last_date is not null
  on conflict (org_id, lease_id) do update set
    balance_cents = excluded.balance_cents, irregular = excluded.irregular,
    last_date = excluded.last_date, last_due = excluded.last_due;
  ${
    withDeletes
      ? `delete from ledger_totals t using (select distinct org_id, lease_id from ${rows}) x
    where t.org_id = x.org_id and t.lease_id = x.lease_id
      and not exists (
        select 1 from ledger_entries e where e.org_id = x.org_id and e.lease_id = x.lease_id);`
      : ''
  }`;

/**
 * PostgreSQL: statement triggers with transition tables, so a bulk insert of thousands of
 * entries counts each of their leases once. Every trigger counts its leases again from the
 * table rather than adding the new rows: an upsert fires its insert and its update trigger
 * one after the other, and a count from the table is right whichever comes first.
 * (PostgreSQL allows transition tables on one event per trigger, hence three.)
 */
const POSTGRES_TRIGGERS = [
  `create function ledger_totals_recount() returns trigger language plpgsql as $$
   begin
     if tg_op = 'INSERT' then
       ${recount('new_rows', false)}
     elsif tg_op = 'UPDATE' then
       ${recount('(select org_id, lease_id from old_rows union select org_id, lease_id from new_rows) r', true)}
     else
       ${recount('old_rows', true)}
     end if;
     return null;
   end $$`,
  `create trigger ledger_totals_after_insert after insert on ledger_entries
     referencing new table as new_rows for each statement execute function ledger_totals_recount()`,
  `create trigger ledger_totals_after_update after update on ledger_entries
     referencing old table as old_rows new table as new_rows
     for each statement execute function ledger_totals_recount()`,
  `create trigger ledger_totals_after_delete after delete on ledger_entries
     referencing old table as old_rows for each statement execute function ledger_totals_recount()`,
  // A TRUNCATE fires no delete trigger: it empties the totals with the ledger.
  `create function ledger_totals_truncate() returns trigger language plpgsql as $$
   begin
     truncate ledger_totals;
     return null;
   end $$`,
  `create trigger ledger_totals_after_truncate after truncate on ledger_entries
     for each statement execute function ledger_totals_truncate()`,
];

/** SQLite: row triggers (it has no others); an insert adds the entry to its lease's totals. */
const sqliteRecount = (row: 'old' | 'new') => `
  delete from ledger_totals where org_id = ${row}.org_id and lease_id = ${row}.lease_id;
  insert into ledger_totals (${COLUMNS})
    select org_id, lease_id, ${totalsOf('')}
    from ledger_entries where org_id = ${row}.org_id and lease_id = ${row}.lease_id
    group by org_id, lease_id;`;

const SQLITE_TRIGGERS = [
  `create trigger ledger_totals_after_insert after insert on ledger_entries begin
     insert into ledger_totals (${COLUMNS}) values (new.org_id, new.lease_id,
       case when new.type = 'charge' then new.amount_cents else -new.amount_cents end,
       case when new.type = 'reversal' or new.applies_to is not null then 1 else 0 end,
       new.date,
       case when new.type = 'charge' then coalesce(new.due_date, '${NEVER_DUE}') end)
     on conflict (org_id, lease_id) do update set
       balance_cents = balance_cents + excluded.balance_cents,
       irregular = irregular + excluded.irregular,
       last_date = max(last_date, excluded.last_date),
       last_due = coalesce(max(last_due, excluded.last_due), last_due, excluded.last_due);
   end`,
  // Only a change to what the totals sum (an erasure rewrites a memo, in `data`, alone).
  `create trigger ledger_totals_after_update
     after update of lease_id, type, amount_cents, date, due_date, applies_to on ledger_entries begin
     ${sqliteRecount('old')}
     ${sqliteRecount('new')}
   end`,
  `create trigger ledger_totals_after_delete after delete on ledger_entries begin
     ${sqliteRecount('old')}
   end`,
];
