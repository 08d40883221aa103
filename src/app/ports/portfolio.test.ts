import { describe, expect, it } from 'vitest';
import { leaseLedger, type PortfolioWithLedgerText } from './portfolio.js';

const slice = (ledgerJson: Record<string, unknown[]>): PortfolioWithLedgerText => ({
  currency: 'USD',
  sources: [],
  properties: [],
  tenants: [],
  leases: [],
  events: [],
  cases: [],
  ledgerJson: new Map(Object.entries(ledgerJson).map(([id, e]) => [id, JSON.stringify(e)])),
});

const entry = (id: string, date: string) => ({
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
