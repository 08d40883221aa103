/**
 * A first scan's quiet leases (paid up, no events, never evaluated) are settled by the store
 * itself on PostgreSQL, their states written by the settled-lease query: the states, counts
 * and everything else stored are exactly what the evaluator's own path stores for them.
 * Two organisations get the same portfolio; the store of one cannot settle quietly. On
 * SQLite (which has no such path) both take the evaluator's path.
 */
import { expect, it } from 'vitest';
import { benchPortfolio } from '../../bench/fixtures.js';
import { fixedClock } from '../../src/app/ports/clock.js';
import type { ScanStateStore } from '../../src/app/ports/scan.js';
import { scanPortfolio, type ScanResult } from '../../src/app/scan-portfolio.js';
import type { Db } from '../../src/storage/database.js';
import { storesFor } from '../../src/main.js';
import { forEachDialect } from '../support/databases.js';
import { benchOrganisation, scanStored, type ScanStored } from '../support/scan-stored.js';

const FIRST = Date.parse('2026-11-05T20:00:00Z');
const LATER = FIRST + 10 * 86_400_000;

/** The bench portfolio, and paid-up leases whose states test the rule's edges. */
function portfolio(): string {
  const p = benchPortfolio(300);
  const paidUp = (id: string, entries: object[]) => {
    p.tenants.push({ id: `T-${id}`, name: `Tenant ${id}`, email: 'quiet@example.com' } as never);
    p.leases.push({
      id,
      propertyId: 'P-NY',
      unit: id,
      tenantIds: [`T-${id}`],
      rentCents: 100_000,
    } as never);
    p.ledger.push(...(entries.map((e, i) => ({ id: `${id}-${i}`, leaseId: id, ...e })) as never[]));
  };
  // An id JSON must escape, in a lease that is in credit.
  paidUp('Q"\\é', [
    {
      date: '2026-11-01',
      type: 'charge',
      category: 'rent',
      amountCents: 100_000,
      dueDate: '2026-11-01',
    },
    { date: '2026-11-01', type: 'payment', amountCents: 120_000 },
  ]);
  // A charge on the ledger not yet due: it wakes the day after it falls due.
  paidUp('Q-due', [
    {
      date: '2026-11-01',
      type: 'charge',
      category: 'rent',
      amountCents: 100_000,
      dueDate: '2026-11-20',
    },
  ]);
  // A payment dated next week takes effect then.
  paidUp('Q-dated', [
    {
      date: '2026-11-01',
      type: 'charge',
      category: 'rent',
      amountCents: 100_000,
      dueDate: '2026-11-01',
    },
    { date: '2026-11-01', type: 'payment', amountCents: 100_000 },
    { date: '2026-11-12', type: 'payment', amountCents: 5_000 },
  ]);
  // A charge dated beyond the scan's horizon.
  paidUp('Q-far', [
    {
      date: '2027-03-01',
      type: 'charge',
      category: 'rent',
      amountCents: 100_000,
      dueDate: '2027-03-01',
    },
  ]);
  // No ledger at all.
  paidUp('Q-empty', []);
  return JSON.stringify(p);
}
const portfolioText = portfolio();

async function scanned(
  db: Db,
  orgId: string,
  quietly: boolean,
): Promise<{ results: ScanResult[]; quiet: number; first: ScanStored }> {
  const clock = fixedClock(FIRST);
  const stores = storesFor(db);
  let quiet = 0;
  const settleQuietly = stores.state.settleQuietly;
  const state: ScanStateStore = {
    ...stores.state,
    settleQuietly:
      quietly && settleQuietly
        ? async (...args) => {
            const found = await settleQuietly.apply(stores.state, args);
            quiet += found.quiet.length;
            return found;
          }
        : undefined,
  };
  const deps = { clock, ...stores, state };
  await benchOrganisation(deps, db, orgId, portfolioText);
  const results: ScanResult[] = [];
  let first: ScanStored | undefined;
  for (const at of [FIRST, LATER]) {
    clock.set(at);
    // Changes only counted (as in any first scan of more leases than are kept in detail).
    results.push(await scanPortfolio(deps, { orgId, at, batchSize: 50, changesKept: 0 }));
    first ??= await scanStored(db, orgId);
  }
  return { results, quiet, first: first! };
}

const withoutIds = (r: ScanResult) => ({ ...r, scanId: undefined });

forEachDialect('quiet leases of a first scan', (h) => {
  it('are stored exactly as the evaluator stores them', async () => {
    const db = await h.openMigrated();
    const quiet = await scanned(db, 'quiet', true);
    const evaluated = await scanned(db, 'evaluated', false);

    if (h.dialect === 'postgres') expect(quiet.quiet).toBeGreaterThan(100);
    else expect(quiet.quiet).toBe(0);
    expect(evaluated.quiet).toBe(0);
    expect(quiet.results[0]!.evaluated).toBe(305);
    expect(quiet.results[0]!.changesOmitted).toBe(305); // one `lease_added` each
    expect(quiet.results.map(withoutIds)).toEqual(evaluated.results.map(withoutIds));
    expect(quiet.first.states.length).toBe(305);
    expect(quiet.first).toEqual(evaluated.first);
    expect(await scanStored(db, 'quiet')).toEqual(await scanStored(db, 'evaluated'));
    const edge = (id: string) => quiet.first.states.find((s) => s.lease_id === id)!;
    expect(edge('Q-due').next_due_at).toBe('2026-11-21T05:00:00.000Z');
    expect(edge('Q-dated').next_due_at).toBe('2026-11-12T05:00:00.000Z');
    expect(edge('Q-far').next_due_at).toBe('2027-03-01T05:00:00.000Z');
    expect(JSON.parse(edge('Q"\\é').snapshot!)).toMatchObject({ balanceCents: -20_000 });
  }, 120_000);
});
