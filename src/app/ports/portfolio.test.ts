import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../domain/audit/canonical-json.js';
import { CATEGORIES, type LedgerEntry } from '../../domain/portfolio/schema.js';
import { rent } from '../../../test/support/build.js';
import { packLedger, packs, unpackLedger } from './ledger-text.js';
import { leaseLedger, type PortfolioWithLedgerText } from './portfolio.js';

const slice = (ledgers: Record<string, LedgerEntry[]>): PortfolioWithLedgerText => ({
  currency: 'USD',
  sources: [],
  properties: [],
  tenants: [],
  leases: [],
  events: [],
  cases: [],
  ledgerText: new Map(Object.entries(ledgers).map(([id, e]) => [id, packLedger(e)])),
});

const entry = (id: string, date: string): LedgerEntry => ({
  id,
  leaseId: 'L1',
  type: 'payment',
  amountCents: 100,
  date,
});

describe('a lease ledger read as text for a scan', () => {
  it('comes out by date then id, whatever order the database joined it in', () => {
    const ids = (s: PortfolioWithLedgerText) => leaseLedger(s, 'L1').map((e) => e.id);
    expect(
      ids(
        slice({
          L1: [
            entry('P2', '2026-10-03'),
            entry('C1', '2026-10-01'),
            entry('P1', '2026-10-03'),
            entry('A1', '2026-10-03'),
          ],
        }),
      ),
    ).toEqual(['C1', 'A1', 'P1', 'P2']);
    expect(ids(slice({ L1: [entry('C1', '2026-10-01'), entry('P1', '2026-10-03')] }))).toEqual([
      'C1',
      'P1',
    ]);
  });

  it('is empty for a lease without entries', () => {
    expect(leaseLedger(slice({}), 'L1')).toEqual([]);
  });
});

/** Any entry the schema admits, with ids that may hold the text's own separators. */
const anyEntry: fc.Arbitrary<LedgerEntry> = fc
  .record(
    {
      id: fc.oneof(
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.constantFrom('C1', 'a\u001eb', 'a\u001fb', '\u001f', '{x', '"', ''),
      ),
      // Dates the reader keeps one string for, and texts it must copy as they are.
      date: fc.constantFrom('2026-09-01', '2026-10-01', '2026-10-15', '2026-1-5', '20261001xx'),
      type: fc.constantFrom('charge', 'payment', 'credit', 'writeoff', 'reversal'),
      category: fc.constantFrom(...CATEGORIES),
      amountCents: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      dueDate: fc.constantFrom('2026-10-01', '2026-10-05', '2026-10-0a'),
      reverses: fc.string({ maxLength: 6 }),
      appliesTo: fc.string({ maxLength: 6 }),
      memo: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: ['id', 'date', 'type', 'amountCents'] },
  )
  .map((e) => ({ ...e, id: e.id === '' ? 'X' : e.id, leaseId: 'L1' }) as LedgerEntry);

describe('a ledger text', () => {
  it('gives back every entry as its stored JSON would parse: the same keys, in the same order', () => {
    fc.assert(
      fc.property(fc.array(anyEntry, { minLength: 1, maxLength: 8 }), (entries) => {
        const text = packLedger(entries);
        const stored = entries.map((e) => canonicalJson(e));
        expect(unpackLedger(text, 'L1').map((e) => JSON.stringify(e))).toEqual(stored);
      }),
      { numRuns: 500, seed: 20261130 },
    );
  });

  it('packs plain charges and payments, and keeps the JSON of the rest', () => {
    const charge: LedgerEntry = rent('L1-C1', '2026-10-01');
    expect(packLedger([charge, entry('L1-P1', '2026-10-03')])).toBe(
      '\u001fL1-C1\u001f2026-10-01\u001fcharge\u001f150000\u001frent\u001f2026-10-01' +
        '\u001e\u001fL1-P1\u001f2026-10-03\u001fpayment\u001f100\u001f\u001f',
    );
    expect(packs({ ...charge, memo: 'NSF' })).toBe(false);
    expect(packs({ ...entry('R1', '2026-10-04'), type: 'reversal', reverses: 'L1-P1' })).toBe(
      false,
    );
    expect(packs({ ...entry('P1', '2026-10-04'), appliesTo: 'L1-C1' })).toBe(false);
    expect(packs(entry('P\u001e1', '2026-10-04'))).toBe(false);
  });

  it('that is damaged is an error naming the lease and the entry', () => {
    expect(() => unpackLedger('\u001fL1-C1\u001f2026-10-01\u001fcharge', 'L7')).toThrow(
      'lease L7: ledger entry 1 of the text read from the database has 3 fields, not 6',
    );
    const good = '\u001fL1-C1\u001f2026-10-01\u001fcharge\u001f100\u001frent\u001f2026-10-01';
    expect(() => unpackLedger(`${good}\u001e${good}\u001fx`, 'L7')).toThrow(
      'lease L7: ledger entry 2 of the text read from the database has 7 fields, not 6',
    );
    expect(() => unpackLedger(`${good}\u001e\u001fL1-P1\u001f2026-10-02`, 'L7')).toThrow(
      'lease L7: ledger entry 2 of the text read from the database has 2 fields, not 6',
    );
  });
});
