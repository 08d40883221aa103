import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANA, OAK_COURT, payment, rent } from '../../../test/support/build.js';
import { addDays } from '../dates.js';
import { AGING_BUCKETS } from '../ledger/aging.js';
import { portfolio as portfolioSchema, type PortfolioInput } from '../portfolio/schema.js';
import { agingReport, agingReportCsv, csvText, decimal, sumBuckets } from './aging-report.js';

const lease = (id: string, tenantIds = ['T1'], unit = id.replace('L', 'U')) => ({
  id,
  propertyId: 'P1',
  unit,
  tenantIds,
  rentCents: 150000,
});

function portfolioOf(ledger: PortfolioInput['ledger'], over: Partial<PortfolioInput> = {}) {
  return portfolioSchema.parse({
    properties: [OAK_COURT],
    tenants: [ANA, { id: 'T2', name: 'Ben Okafor', role: 'primary' }],
    leases: [lease('L1'), lease('L2', ['T2']), lease('L3')],
    ledger,
    ...over,
  });
}

describe('aging report (SPEC 8, `report aging --json` of SPEC 9)', () => {
  // Ana has owed $1,500 on the 1st of every month since August and paid $2,000 on 09-05;
  // Ben prepaid $500; L3 is paid up.
  const ledger: PortfolioInput['ledger'] = [
    rent('C08', '2026-08-01'),
    rent('C09', '2026-09-01'),
    rent('C10', '2026-10-01'),
    rent('C11', '2026-11-01'),
    rent('C12', '2026-12-01'),
    rent('C12b', '2026-12-15'),
    payment('P1', '2026-09-05', 200000),
    payment('P2', '2026-12-01', 50000, 'L2'),
    rent('C3', '2026-12-01', 90000, 'L3'),
    payment('P3', '2026-12-02', 90000, 'L3'),
    rent('C13', '2027-01-01'), // dated after asOf: not in effect
  ];

  it('buckets unpaid charges by asOf − dueDate after R1 allocation, on 2026-12-15', () => {
    const report = agingReport(portfolioOf(ledger), '2026-12-15');
    expect(report).toEqual({
      asOf: '2026-12-15',
      buckets: { current: 150000, '1-30': 150000, '31-60': 150000, '61-90': 150000, '90+': 100000 },
      unappliedCreditCents: 50000,
      totalCents: 650000,
      rows: [
        {
          leaseId: 'L1',
          tenant: 'Ana Ruiz',
          property: 'Oak Court',
          propertyId: 'P1',
          unit: 'U1',
          // C08 is paid; $500 of C09 (105 days) is unpaid; C10 75 days; C11 44; C12 14;
          // C12b is due today: current.
          buckets: {
            current: 150000,
            '1-30': 150000,
            '31-60': 150000,
            '61-90': 150000,
            '90+': 100000,
          },
          unappliedCreditCents: 0,
          totalCents: 700000,
        },
        {
          leaseId: 'L2',
          tenant: 'Ben Okafor',
          property: 'Oak Court',
          propertyId: 'P1',
          unit: 'U2',
          buckets: { current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 },
          unappliedCreditCents: 50000,
          totalCents: -50000,
        },
      ],
    });
    expect(Object.keys(report)).toEqual([
      'asOf',
      'buckets',
      'unappliedCreditCents',
      'totalCents',
      'rows',
    ]);
    expect(Object.keys(report.buckets)).toEqual(['current', '1-30', '31-60', '61-90', '90+']);
  });

  it('bucket edges: 0 days current, 1 and 30 in 1-30, 31 in 31-60, 90 in 61-90, 91 in 90+', () => {
    const asOf = '2026-12-31';
    const ages = [0, 1, 30, 31, 60, 61, 90, 91, -5];
    const p = portfolioOf(
      ages.map((age, i) => ({
        ...rent(`A${i}`, addDays(asOf, -age), 100 + i),
        date: '2026-01-01',
      })),
    );
    const row = agingReport(p, asOf).rows[0]!;
    expect(row.buckets).toEqual({
      current: 100 + 108, // due today, and due in 5 days
      '1-30': 101 + 102,
      '31-60': 103 + 104,
      '61-90': 105 + 106,
      '90+': 107,
    });
  });

  it('a reversed payment no longer pays anything; a payment naming a charge pays it first', () => {
    const p = portfolioOf([
      rent('C09', '2026-09-01'),
      rent('C10', '2026-10-01'),
      payment('P1', '2026-10-03', 150000),
      {
        id: 'R1',
        leaseId: 'L1',
        date: '2026-10-09',
        type: 'reversal',
        amountCents: 150000,
        reverses: 'P1',
      },
      { ...payment('P2', '2026-10-10', 150000), appliesTo: 'C10' },
    ]);
    const row = agingReport(p, '2026-10-20').rows[0]!;
    expect(row.buckets).toMatchObject({ '1-30': 0, '31-60': 150000 });
    expect(row.totalCents).toBe(150000);
  });

  it('writes CSV: a header, one line per lease and a total line, amounts in currency units', () => {
    const csv = agingReportCsv(agingReport(portfolioOf(ledger), '2026-12-15'));
    expect(csv.split('\n')).toEqual([
      'leaseId,tenant,property,propertyId,unit,current,1-30,31-60,61-90,90+,unappliedCredit,total',
      'L1,Ana Ruiz,Oak Court,P1,U1,1500.00,1500.00,1500.00,1500.00,1000.00,0.00,7000.00',
      'L2,Ben Okafor,Oak Court,P1,U2,0.00,0.00,0.00,0.00,0.00,500.00,-500.00',
      'TOTAL,,,,,1500.00,1500.00,1500.00,1500.00,1000.00,500.00,6500.00',
      '',
    ]);
  });

  it('quotes CSV text and defuses formulas', () => {
    expect(csvText('Ruiz, Ana')).toBe('"Ruiz, Ana"');
    expect(csvText('Ana "La Jefa" Ruiz')).toBe('"Ana ""La Jefa"" Ruiz"');
    expect(csvText('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvText('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(decimal(-5)).toBe('-0.05');
    expect(decimal(123456789)).toBe('1234567.89');
  });

  it('is empty for a portfolio that owes nothing and holds no credit', () => {
    expect(agingReport(portfolioOf([]), '2026-12-15')).toEqual({
      asOf: '2026-12-15',
      buckets: { current: 0, '1-30': 0, '31-60': 0, '61-90': 0, '90+': 0 },
      unappliedCreditCents: 0,
      totalCents: 0,
      rows: [],
    });
  });

  it('rows run by totalCents descending, then lease id', () => {
    const p = portfolioOf([
      rent('X1', '2026-10-01', 1000, 'L3'),
      rent('X2', '2026-10-01', 1000, 'L1'),
      rent('X3', '2026-10-01', 5000, 'L2'),
    ]);
    expect(agingReport(p, '2026-10-20').rows.map((r) => r.leaseId)).toEqual(['L2', 'L1', 'L3']);
  });

  describe('property: totals are the ledger balance for random ledgers', () => {
    const START = '2026-01-01';
    const entryArb = fc.record({
      kind: fc.constantFrom('charge', 'payment', 'credit', 'writeoff', 'reversal'),
      lease: fc.constantFrom('L1', 'L2', 'L3'),
      day: fc.integer({ min: 0, max: 300 }),
      dueOffset: fc.integer({ min: -10, max: 40 }),
      cents: fc.integer({ min: 1, max: 500000 }),
      category: fc.constantFrom('rent', 'fee', 'utility', 'deposit', 'other'),
      target: fc.nat(),
      applies: fc.boolean(),
    });

    type RawEntry = typeof entryArb extends fc.Arbitrary<infer T> ? T : never;

    function build(raw: RawEntry[]): PortfolioInput['ledger'] {
      const out: PortfolioInput['ledger'] = [];
      raw.forEach((r, i) => {
        const id = `E${String(i).padStart(3, '0')}`;
        const date = addDays(START, r.day);
        const same = out.filter((e) => e.leaseId === r.lease && e.type !== 'reversal');
        if (r.kind === 'reversal') {
          const target = same[r.target % Math.max(1, same.length)];
          if (!target) return;
          out.push({
            id,
            leaseId: r.lease,
            date: date >= target.date ? date : target.date,
            type: 'reversal',
            amountCents: target.amountCents,
            reverses: target.id,
          });
        } else if (r.kind === 'charge') {
          out.push({
            id,
            leaseId: r.lease,
            date,
            type: 'charge',
            category: r.category,
            amountCents: r.cents,
            dueDate: addDays(date, r.dueOffset),
          });
        } else {
          const charges = same.filter((e) => e.type === 'charge');
          const target = charges[r.target % Math.max(1, charges.length)];
          out.push({
            id,
            leaseId: r.lease,
            date,
            type: r.kind,
            amountCents: r.cents,
            ...(r.applies && target ? { appliesTo: target.id } : {}),
          });
        }
      });
      return out;
    }

    /** Charges − payments, credits and write-offs dated ≤ asOf; a reversal dated ≤ asOf cancels its entry. */
    function expectedBalance(ledger: PortfolioInput['ledger'], leaseId: string, asOf: string) {
      const inEffect = ledger.filter((e) => e.leaseId === leaseId && e.date <= asOf);
      const reversed = new Set(
        inEffect.filter((e) => e.type === 'reversal').map((e) => e.reverses),
      );
      let sum = 0;
      for (const e of inEffect) {
        if (e.type === 'reversal' || reversed.has(e.id)) continue;
        sum += e.type === 'charge' ? e.amountCents : -e.amountCents;
      }
      return sum;
    }

    it('totalCents = charges − payments/credits/write-offs in effect = sum(buckets) − unapplied', () => {
      fc.assert(
        fc.property(
          fc.array(entryArb, { maxLength: 40 }),
          fc.integer({ min: 0, max: 330 }),
          (raw, asOfDay) => {
            const ledger = build(raw);
            const asOf = addDays(START, asOfDay);
            const report = agingReport(portfolioOf(ledger), asOf);
            let total = 0;
            for (const id of ['L1', 'L2', 'L3']) {
              const balance = expectedBalance(ledger, id, asOf);
              total += balance;
              const row = report.rows.find((r) => r.leaseId === id);
              if (!row) {
                expect(balance).toBe(0);
                continue;
              }
              expect(row.totalCents).toBe(balance);
              expect(sumBuckets(row.buckets) - row.unappliedCreditCents).toBe(row.totalCents);
              expect(row.unappliedCreditCents).toBeGreaterThanOrEqual(0);
              // Money on account means every charge is paid.
              if (row.unappliedCreditCents > 0) expect(sumBuckets(row.buckets)).toBe(0);
              for (const b of AGING_BUCKETS) expect(row.buckets[b]).toBeGreaterThanOrEqual(0);
            }
            expect(report.totalCents).toBe(total);
            expect(sumBuckets(report.buckets) - report.unappliedCreditCents).toBe(total);
            for (const b of AGING_BUCKETS)
              expect(report.buckets[b]).toBe(report.rows.reduce((s, r) => s + r.buckets[b], 0));
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
