/**
 * `ledger_totals` (migration 0021), on every engine: whatever writes the ledger (a first
 * import, a newer file that changes, moves or adds entries, posted fees, a hand-run SQL
 * fix), each lease's totals are what its entries add up to; and the scan settles the same
 * leases from them as from summing the entries, on any day.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { importJsonPortfolio } from '../app/import-portfolio.js';
import { fixedClock } from '../app/ports/clock.js';
import { storesFor } from '../main.js';
import type { Db } from './database.js';
import { ensureOrganisation } from './repos/organisations-repo.js';

const AT = '2026-10-01T12:00:00.000Z';
const property = {
  id: 'P1',
  name: 'Elm Court',
  timezone: 'America/New_York',
  jurisdiction: 'US-NY',
  kind: 'residential',
};
const tenants = ['T1', 'T2', 'T3'].map((id) => ({ id, name: `Tenant ${id}` }));
const leases = ['L1', 'L2', 'L3'].map((id, i) => ({
  id,
  propertyId: 'P1',
  unit: String(i + 1),
  tenantIds: [tenants[i]!.id],
  rentCents: 100000,
}));
const rent = (id: string, leaseId: string, date: string, amountCents = 100000) => ({
  id,
  leaseId,
  date,
  type: 'charge' as const,
  category: 'rent' as 'rent' | 'fee',
  amountCents,
  dueDate: date,
});
const payment = (id: string, leaseId: string, date: string, amountCents: number) => ({
  id,
  leaseId,
  date,
  type: 'payment' as const,
  amountCents,
});

async function setUp(db: Db, orgId: string) {
  await ensureOrganisation(db, { id: orgId, name: orgId, at: AT });
  const deps = { clock: fixedClock(Date.parse(AT)), ...storesFor(db) };
  const save = (fileName: string, ledger: unknown[]) =>
    importJsonPortfolio(deps, {
      orgId,
      fileName,
      text: JSON.stringify({ properties: [property], tenants, leases, ledger }),
      format: 'json',
      actor: 'test',
    });
  return { deps, save };
}

/** The stored totals, by lease. */
async function totals(db: Db, orgId: string) {
  const rows = await db.kysely
    .selectFrom('ledger_totals')
    .select(['lease_id', 'balance_cents', 'irregular', 'last_date', 'last_due'])
    .where('org_id', '=', orgId)
    .orderBy('lease_id')
    .execute();
  return rows.map((r) => ({
    ...r,
    balance_cents: Number(r.balance_cents),
    irregular: Number(r.irregular),
  }));
}

/** What the stored entries add up to, lease by lease (as the totals define it). */
async function recounted(db: Db, orgId: string) {
  const entries = await db.kysely
    .selectFrom('ledger_entries')
    .select(['lease_id', 'type', 'amount_cents', 'date', 'due_date', 'applies_to'])
    .where('org_id', '=', orgId)
    .execute();
  const by = new Map<
    string,
    {
      lease_id: string;
      balance_cents: number;
      irregular: number;
      last_date: string;
      last_due: string | null;
    }
  >();
  for (const e of entries) {
    const t = by.get(e.lease_id) ?? {
      lease_id: e.lease_id,
      balance_cents: 0,
      irregular: 0,
      last_date: e.date,
      last_due: null,
    };
    const charge = e.type === 'charge';
    t.balance_cents += charge ? Number(e.amount_cents) : -Number(e.amount_cents);
    if (e.type === 'reversal' || e.applies_to !== null) t.irregular++;
    if (e.date > t.last_date) t.last_date = e.date;
    const due = charge ? (e.due_date ?? '9999-12-31') : null;
    if (due !== null && (t.last_due === null || due > t.last_due)) t.last_due = due;
    by.set(e.lease_id, t);
  }
  return [...by.values()].sort((a, b) => (a.lease_id < b.lease_id ? -1 : 1));
}

forEachDialect('ledger totals', (h) => {
  it('are what each lease’s entries add up to, whatever wrote them', async () => {
    const db = await h.openMigrated();
    const { deps, save } = await setUp(db, 'sums');
    await save('september.json', [
      rent('L1-C09', 'L1', '2026-09-01'),
      payment('L1-P09', 'L1', '2026-09-03', 100000),
      rent('L2-C09', 'L2', '2026-09-01'),
      payment('L2-P09', 'L2', '2026-09-20', 40000),
    ]);
    expect(await totals(db, 'sums')).toEqual([
      {
        lease_id: 'L1',
        balance_cents: 0,
        irregular: 0,
        last_date: '2026-09-03',
        last_due: '2026-09-01',
      },
      {
        lease_id: 'L2',
        balance_cents: 60000,
        irregular: 0,
        last_date: '2026-09-20',
        last_due: '2026-09-01',
      },
    ]);

    // A newer file: an amount corrected, a payment moved to the lease it was for, a
    // reversal and an earmarked payment.
    await save('october.json', [
      rent('L1-C09', 'L1', '2026-09-01', 90000),
      payment('L1-P09', 'L2', '2026-09-03', 100000),
      rent('L2-C09', 'L2', '2026-09-01'),
      payment('L2-P09', 'L2', '2026-09-20', 40000),
      {
        id: 'L2-R',
        leaseId: 'L2',
        date: '2026-09-25',
        type: 'reversal',
        amountCents: 40000,
        reverses: 'L2-P09',
      },
      { ...payment('L3-P10', 'L3', '2026-10-02', 5000), appliesTo: 'L3-C10' },
      rent('L3-C10', 'L3', '2026-10-01'),
    ]);
    // Posted by the engine itself (a late fee).
    await deps.portfolio.addLedgerEntries(
      'sums',
      [{ ...rent('L1-F10', 'L1', '2026-10-06', 2500), category: 'fee' }],
      { source: 'cli', actor: 'test', at: AT },
    );
    expect(await totals(db, 'sums')).toEqual(await recounted(db, 'sums'));
    // By hand: a memo rewritten (as erasure does), a charge's due date cleared (never past
    // due then), an entry deleted, a lease's last one too.
    await sql`update ledger_entries set data = '{}' where org_id = 'sums' and id = 'L1-C09'`.execute(
      db.kysely,
    );
    await sql`update ledger_entries set due_date = null where org_id = 'sums' and id = 'L3-C10'`.execute(
      db.kysely,
    );
    await sql`delete from ledger_entries where org_id = 'sums' and id in ('L2-R', 'L1-C09', 'L1-F10')`.execute(
      db.kysely,
    );
    expect(await totals(db, 'sums')).toEqual(await recounted(db, 'sums'));
    expect((await totals(db, 'sums')).map((t) => [t.lease_id, t.last_due])).toEqual([
      ['L2', '2026-09-01'],
      ['L3', '9999-12-31'],
    ]);
    // SQLite has no TRUNCATE (an unqualified DELETE fires the delete trigger).
    if (db.dialect === 'postgres') {
      await sql`truncate ledger_entries`.execute(db.kysely);
      expect(await totals(db, 'sums')).toEqual([]);
    }
  });

  it('settle the same leases as summing their entries, on any day', async () => {
    const db = await h.openMigrated();
    const EXAMPLES = resolve(import.meta.dirname, '../../examples');
    await ensureOrganisation(db, { id: 'same', name: 'same', at: AT });
    const deps = { clock: fixedClock(Date.parse(AT)), ...storesFor(db) };
    await importJsonPortfolio(deps, {
      orgId: 'same',
      fileName: 'storage-ca.json',
      text: readFileSync(resolve(EXAMPLES, 'portfolios/storage-ca.json'), 'utf8'),
      format: 'json',
      actor: 'test',
    });
    const ids = (await deps.portfolio.leaseIds('same')).sort();
    // Before, between and after the entries' dates and due dates.
    const days = [
      '2026-08-15',
      '2026-09-01',
      '2026-09-02',
      '2026-10-01',
      '2026-10-16',
      '2027-01-01',
    ];
    const settledOn = (today: string) =>
      Promise.all(
        [false, true].map((contiguous) =>
          deps.state.settledLeases('same', ids, () => today, { contiguous }),
        ),
      );
    const fromTotals = await Promise.all(days.map(settledOn));
    expect(fromTotals.some(([asList]) => asList!.length > 0)).toBe(true);
    // Without totals every lease's entries are summed.
    await sql`delete from ledger_totals where org_id = 'same'`.execute(db.kysely);
    expect(await Promise.all(days.map(settledOn))).toEqual(fromTotals);
  });
});
