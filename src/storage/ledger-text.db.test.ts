/**
 * The ledger texts a scan reads (app/ports/ledger-text.ts), on every engine: the database
 * packs exactly the entries `packs` says, and every entry reads back as its stored JSON
 * would parse, whatever its id holds.
 */
import { expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { importJsonPortfolio } from '../app/import-portfolio.js';
import { fixedClock } from '../app/ports/clock.js';
import { LEDGER_ENTRY_SEPARATOR, packLedgerEntry } from '../app/ports/ledger-text.js';
import { leaseLedger } from '../app/ports/portfolio.js';
import { canonicalJson } from '../domain/audit/canonical-json.js';
import type { LedgerEntry } from '../domain/portfolio/schema.js';
import { storesFor } from '../main.js';

const AT = '2026-10-01T12:00:00.000Z';
const L = 'L1';
const ledger: LedgerEntry[] = [
  {
    id: 'C1',
    leaseId: L,
    date: '2026-09-01',
    type: 'charge',
    category: 'rent',
    amountCents: 150000,
    dueDate: '2026-09-01',
  },
  { id: 'P1', leaseId: L, date: '2026-09-03', type: 'payment', amountCents: 90000 },
  {
    id: 'P2',
    leaseId: L,
    date: '2026-09-04',
    type: 'payment',
    amountCents: 1000,
    memo: 'cash at the office',
  },
  { id: 'R1', leaseId: L, date: '2026-09-05', type: 'reversal', amountCents: 1000, reverses: 'P2' },
  { id: 'P3', leaseId: L, date: '2026-09-06', type: 'payment', amountCents: 5000, appliesTo: 'C1' },
  {
    id: 'C\u001e2',
    leaseId: L,
    date: '2026-09-07',
    type: 'charge',
    category: 'fee',
    amountCents: 2500,
    dueDate: '2026-09-07',
  },
  {
    id: 'C\u001f3',
    leaseId: L,
    date: '2026-09-08',
    type: 'charge',
    category: 'utility',
    amountCents: 4000,
    dueDate: '2026-09-10',
  },
  {
    id: '{"x"}',
    leaseId: L,
    date: '2026-09-09',
    type: 'credit',
    category: 'other',
    amountCents: 700,
  },
  { id: 'W1', leaseId: L, date: '2026-09-10', type: 'writeoff', amountCents: 9007199254740991 },
];

forEachDialect('ledger texts', (h) => {
  it('pack plain entries, keep the JSON of the rest, and read back as stored', async () => {
    const db = await h.openMigrated();
    const deps = { clock: fixedClock(Date.parse(AT)), ...storesFor(db) };
    await importJsonPortfolio(deps, {
      orgId: 'default',
      fileName: 'ledger.json',
      text: JSON.stringify({
        properties: [
          {
            id: 'P1',
            name: 'Elm Court',
            timezone: 'America/New_York',
            jurisdiction: 'US-NY',
            kind: 'residential',
          },
        ],
        tenants: [{ id: 'T1', name: 'Ana Ruiz' }],
        leases: [{ id: L, propertyId: 'P1', unit: '1', tenantIds: ['T1'], rentCents: 150000 }],
        ledger,
      }),
      format: 'json',
      actor: 'test',
    });
    const slice = await deps.portfolio.loadSliceForScan('default', [L, 'L-none']);
    const text = slice.ledgerText.get(L)!;
    expect(text.split(LEDGER_ENTRY_SEPARATOR).length).toBe(ledger.length);
    // Entry by entry as the reference packs it (the database joins them in any order).
    const byRule = ledger.map(packLedgerEntry);
    expect(byRule.filter((p) => !text.includes(p))).toEqual([]);
    expect(leaseLedger(slice, L).map((e) => JSON.stringify(e))).toEqual(
      ledger.map((e) => canonicalJson(e)),
    );
    expect(slice.ledgerText.has('L-none')).toBe(false);
  });
});
