import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addDays } from '../dates.js';
import { AGING_BUCKETS, type AgingBuckets, agingOf, emptyBuckets } from '../ledger/aging.js';
import { allocate } from '../ledger/allocation.js';
import { portfolioFromValue } from '../portfolio/read.js';
import type { Portfolio, Property } from '../portfolio/schema.js';
import { type ImportOptions, type ImportResult, parseCsvImport, rejectsToCsv } from './csv.js';
import type { PresetName } from './presets.js';

const AS_OF = '2026-10-15';
const FIXTURES = new URL('../../../test/fixtures/csv/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

const ca = { timezone: 'America/Los_Angeles', jurisdiction: 'US-CA' };
const KNOWN: Record<string, Property[]> = {
  appfolio: [
    {
      id: 'oak-court-apartments',
      name: 'Oak Court Apartments',
      ...ca,
      kind: 'residential',
      runAt: '09:00',
    },
    { id: 'maple-terrace', name: 'Maple Terrace', ...ca, kind: 'residential', runAt: '09:00' },
  ],
  buildium: [
    {
      id: 'riverside-lofts',
      name: 'Riverside Lofts',
      timezone: 'America/Chicago',
      jurisdiction: 'US-TX',
      kind: 'residential',
      runAt: '09:00',
    },
    {
      id: 'cedar-row-townhomes',
      name: 'Cedar Row Townhomes',
      timezone: 'America/Chicago',
      jurisdiction: 'US-TX',
      kind: 'residential',
      runAt: '09:00',
    },
  ],
  yardi: [
    { id: 'oak01', name: 'Oakwood Self Storage', ...ca, kind: 'storage', runAt: '09:00' },
    { id: 'elm02', name: 'Elm Street Storage', ...ca, kind: 'storage', runAt: '09:00' },
  ],
  generic: [{ id: 'P1', name: 'Oak Court', ...ca, kind: 'residential', runAt: '09:00' }],
};

function run(
  preset: PresetName,
  name: string,
  extra: Partial<ImportOptions> = {},
  text = fixture(name),
): ImportResult {
  return parseCsvImport(text, {
    file: name.split('/').pop() ?? name,
    preset,
    asOf: AS_OF,
    knownPropertyIds: new Set((KNOWN[preset] ?? []).map((p) => p.id)),
    skipInvalid: false,
    ...extra,
  });
}

/** The fragment plus the properties already known, through the portfolio reader (schema + references). */
function combined(result: ImportResult, preset: PresetName): Portfolio {
  const { portfolio } = result;
  return portfolioFromValue(
    { ...portfolio, properties: [...(KNOWN[preset] ?? []), ...portfolio.properties] },
    'import',
  );
}

function leaseLedger(p: { ledger: Portfolio['ledger'] }, leaseId: string) {
  return p.ledger.filter((e) => e.leaseId === leaseId);
}

/** What `report aging` would show for a lease, as of the export date. */
function agingFor(p: { ledger: Portfolio['ledger'] }, leaseId: string, asOf = AS_OF) {
  const allocation = allocate(leaseLedger(p, leaseId));
  return {
    buckets: agingOf(allocation, asOf),
    unapplied: allocation.unappliedCents,
    balance: allocation.balanceCents,
  };
}

function buckets(partial: Partial<AgingBuckets>): AgingBuckets {
  return { ...emptyBuckets(), ...partial };
}

const GENERIC_PROPERTY_DEFAULTS = { ...ca, kind: 'storage' as const };

// ---------------------------------------------------------------------------------------

describe('AppFolio delinquency report', () => {
  const result = run('appfolio', 'appfolio-delinquency.csv');
  const lease = (id: string) => result.portfolio.leases.find((l) => l.id === id);
  const tenant = (id: string) => result.portfolio.tenants.find((t) => t.id === id);

  it('imports every tenant row and skips the group headings and total rows', () => {
    expect(result.issues).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.level).toBe('aging');
    expect(result.counts).toEqual({
      rows: 10,
      imported: 10,
      rejected: 0,
      skipped: 4,
      properties: 0,
      tenants: 10,
      leases: 10,
      ledger: 16,
    });
    expect(result.columns.ignored).toEqual(['30+', 'Delinquency Notes']);
  });

  it('derives lease and tenant ids from property, unit and tenant name', () => {
    expect(result.portfolio.leases.map((l) => l.id)).toEqual([
      'oak-court-apartments:101:ana-ruiz',
      'oak-court-apartments:102:maria-jose-hernandez',
      'oak-court-apartments:104:darnell-washington',
      'oak-court-apartments:106:emily-chen',
      'oak-court-apartments:201:robert-kowalski',
      'oak-court-apartments:203:priya-natarajan',
      'oak-court-apartments:205:james-o-brien',
      'maple-terrace:a1:keisha-brown',
      'maple-terrace:a3:luis-ortega',
      'maple-terrace:b2:sarah-johnson',
    ]);
    expect(lease('oak-court-apartments:102:maria-jose-hernandez')).toEqual({
      id: 'oak-court-apartments:102:maria-jose-hernandez',
      propertyId: 'oak-court-apartments',
      unit: '102',
      tenantIds: ['oak-court-apartments:102:maria-jose-hernandez'],
      rentCents: 195000,
      status: 'active',
      tags: [],
      sourceId: 'csv:appfolio',
      startDate: '2023-06-15',
    });
  });

  it('keeps names as written, prefers the mobile number, writes phones in E.164 and e-mails in lower case', () => {
    expect(tenant('oak-court-apartments:101:ana-ruiz')).toEqual({
      id: 'oak-court-apartments:101:ana-ruiz',
      name: 'Ana Ruiz',
      phone: '+14155550101',
      email: 'ana.ruiz@example.com',
      language: 'en',
      consent: {},
      role: 'primary',
    });
    expect(tenant('oak-court-apartments:102:maria-jose-hernandez')?.name).toBe(
      'María José Hernández',
    );
    expect(tenant('maple-terrace:a1:keisha-brown')?.phone).toBe('+15105550131');
    expect(tenant('maple-terrace:b2:sarah-johnson')?.phone).toBe('+15105550142');
    expect(tenant('oak-court-apartments:201:robert-kowalski')).not.toHaveProperty('email');
  });

  it('maps AppFolio tenant statuses onto lease statuses', () => {
    expect(lease('oak-court-apartments:104:darnell-washington')?.status).toBe('notice');
    expect(lease('oak-court-apartments:104:darnell-washington')?.endDate).toBe('2026-11-30');
    expect(lease('oak-court-apartments:201:robert-kowalski')?.status).toBe('eviction');
    expect(lease('maple-terrace:a3:luis-ortega')?.status).toBe('moved_out');
  });

  it('turns each non-zero bucket into one rent charge with a deterministic id', () => {
    expect(leaseLedger(result.portfolio, 'oak-court-apartments:201:robert-kowalski')).toEqual([
      {
        id: 'oak-court-apartments:201:robert-kowalski:aging:2026-10-15:1-30',
        leaseId: 'oak-court-apartments:201:robert-kowalski',
        date: '2026-10-14',
        type: 'charge',
        category: 'rent',
        amountCents: 172500,
        dueDate: '2026-10-14',
        memo: '"0-30" balance in the appfolio export as of 2026-10-15',
      },
      {
        id: 'oak-court-apartments:201:robert-kowalski:aging:2026-10-15:31-60',
        leaseId: 'oak-court-apartments:201:robert-kowalski',
        date: '2026-09-14',
        type: 'charge',
        category: 'rent',
        amountCents: 165000,
        dueDate: '2026-09-14',
        memo: '"30-60" balance in the appfolio export as of 2026-10-15',
      },
      {
        id: 'oak-court-apartments:201:robert-kowalski:aging:2026-10-15:61-90',
        leaseId: 'oak-court-apartments:201:robert-kowalski',
        date: '2026-08-15',
        type: 'charge',
        category: 'rent',
        amountCents: 165000,
        dueDate: '2026-08-15',
        memo: '"60-90" balance in the appfolio export as of 2026-10-15',
      },
      {
        id: 'oak-court-apartments:201:robert-kowalski:aging:2026-10-15:90+',
        leaseId: 'oak-court-apartments:201:robert-kowalski',
        date: '2026-07-16',
        type: 'charge',
        category: 'rent',
        amountCents: 330000,
        dueDate: '2026-07-16',
        memo: '"90+" balance in the appfolio export as of 2026-10-15',
      },
    ]);
  });

  it('gives a prepaid tenant (negative Amount Receivable) one unapplied credit', () => {
    expect(leaseLedger(result.portfolio, 'oak-court-apartments:203:priya-natarajan')).toEqual([
      {
        id: 'oak-court-apartments:203:priya-natarajan:aging:2026-10-15:credit',
        leaseId: 'oak-court-apartments:203:priya-natarajan',
        date: '2026-10-15',
        type: 'credit',
        amountCents: 15000,
        memo: 'prepayment / credit balance in the appfolio export as of 2026-10-15',
      },
    ]);
  });

  it('imports a zero-balance tenant as a lease with no ledger entries', () => {
    expect(lease('oak-court-apartments:205:james-o-brien')).toBeDefined();
    expect(leaseLedger(result.portfolio, 'oak-court-apartments:205:james-o-brien')).toEqual([]);
  });

  it('lands every amount in its AppFolio bucket in report aging, and the totals reconcile', () => {
    expect(agingFor(result.portfolio, 'oak-court-apartments:104:darnell-washington')).toEqual({
      buckets: buckets({ '1-30': 217500, '31-60': 215000, '61-90': 215000 }),
      unapplied: 0,
      balance: 647500,
    });
    expect(agingFor(result.portfolio, 'maple-terrace:a3:luis-ortega').buckets).toEqual(
      buckets({ '31-60': 160000, '61-90': 160000 }),
    );
    expect(agingFor(result.portfolio, 'oak-court-apartments:203:priya-natarajan')).toEqual({
      buckets: buckets({}),
      unapplied: 15000,
      balance: -15000,
    });
    expect(result.reported).toHaveLength(10);
    for (const r of result.reported) {
      expect(r.importedCents).toBe(r.totalCents);
      expect(agingFor(result.portfolio, r.leaseId).balance).toBe(r.totalCents);
    }
    expect(result.reported[0]).toEqual({
      row: 3,
      leaseId: 'oak-court-apartments:101:ana-ruiz',
      totalCents: 185000,
      importedCents: 185000,
      lastPaymentDate: '2026-09-03',
      lastPaymentCents: 185000,
    });
  });

  it('passes the portfolio schema and reference checks together with the known properties', () => {
    const p = combined(result, 'appfolio');
    expect(p.leases).toHaveLength(10);
    expect(p.sources).toEqual([{ id: 'csv:appfolio', kind: 'import' }]);
  });
});

describe('Buildium outstanding balances', () => {
  const result = run('buildium', 'buildium-outstanding-balances.csv');
  const lease = (id: string) => result.portfolio.leases.find((l) => l.id === id);

  it('imports every lease row', () => {
    expect(result.issues).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.counts).toMatchObject({
      rows: 9,
      imported: 9,
      skipped: 0,
      leases: 9,
      ledger: 14,
    });
  });

  it('reads the Lease column as the tenant name, accents and all', () => {
    expect(result.portfolio.tenants[0]).toMatchObject({
      id: 'riverside-lofts:1a:guadalupe-ramirez',
      name: 'Guadalupe Ramírez',
      phone: '+15125550111',
    });
    expect(lease('riverside-lofts:1a:guadalupe-ramirez')).toMatchObject({
      rentCents: 145000,
      startDate: '2025-08-01',
      endDate: '2026-07-31',
    });
  });

  it('reads ($200.00) in Prepayments as a 200.00 unapplied credit', () => {
    expect(leaseLedger(result.portfolio, 'riverside-lofts:2c:kevin-patel')).toEqual([
      {
        id: 'riverside-lofts:2c:kevin-patel:aging:2026-10-15:credit',
        leaseId: 'riverside-lofts:2c:kevin-patel',
        date: '2026-10-15',
        type: 'credit',
        amountCents: 20000,
        memo: 'prepayment / credit balance in the buildium export as of 2026-10-15',
      },
    ]);
    expect(
      result.reported.find((r) => r.leaseId === 'riverside-lofts:2c:kevin-patel'),
    ).toMatchObject({
      totalCents: -20000,
      importedCents: -20000,
    });
  });

  it('maps Buildium lease statuses', () => {
    expect(lease('riverside-lofts:4a:william-carter')?.status).toBe('eviction');
    expect(lease('cedar-row-townhomes:14:olivia-martin')?.status).toBe('moved_out');
    expect(lease('cedar-row-townhomes:16:brandon-lee')?.status).toBe('future');
    expect(leaseLedger(result.portfolio, 'riverside-lofts:3b:hannah-schmidt')).toEqual([]);
  });

  it('lands the buckets where Buildium had them', () => {
    expect(agingFor(result.portfolio, 'riverside-lofts:4a:william-carter').buckets).toEqual(
      buckets({ '1-30': 155500, '31-60': 148000, '61-90': 148000, '90+': 444000 }),
    );
    for (const r of result.reported) expect(r.importedCents).toBe(r.totalCents);
  });

  it('passes the portfolio schema together with the known properties', () => {
    expect(combined(result, 'buildium').tenants).toHaveLength(9);
  });
});

describe('Yardi aging detail', () => {
  const result = run('yardi', 'yardi-aging-detail.csv');

  it('finds the header below the report title lines and skips the Total row', () => {
    expect(result.issues).toEqual([]);
    expect(result.headers.slice(0, 5)).toEqual([
      'Property',
      'Property Name',
      'Unit',
      'Tenant',
      'Name',
    ]);
    expect(result.reported[0]?.row).toBe(4);
    expect(result.counts).toMatchObject({ rows: 9, imported: 9, skipped: 1, leases: 9 });
  });

  it('uses the tenant code as lease and tenant id and the property code as written', () => {
    expect(result.portfolio.leases[1]).toEqual({
      id: 't0001217',
      propertyId: 'oak01',
      unit: 'A-117',
      tenantIds: ['t0001217'],
      rentCents: 9500,
      status: 'active',
      tags: [],
      sourceId: 'csv:yardi',
      startDate: '2024-11-15',
    });
    expect(result.portfolio.tenants[1]).toMatchObject({
      id: 't0001217',
      name: 'Yolanda Gutiérrez',
    });
    expect(result.portfolio.tenants[5]).toMatchObject({
      name: 'Francisco Javier Peña',
      phone: '+12795550101',
    });
  });

  it('dates the Current bucket on the export date and nets Prepays against the buckets', () => {
    expect(leaseLedger(result.portfolio, 't0002101')).toMatchObject([
      { id: 't0002101:aging:2026-10-15:current', dueDate: '2026-10-15', amountCents: 17500 },
    ]);
    expect(agingFor(result.portfolio, 't0002101').buckets).toEqual(buckets({ current: 17500 }));
    expect(leaseLedger(result.portfolio, 't0002222').map((e) => [e.type, e.amountCents])).toEqual([
      ['charge', 16000],
      ['credit', 4000],
    ]);
    expect(agingFor(result.portfolio, 't0002222')).toEqual({
      buckets: buckets({ '1-30': 12000 }),
      unapplied: 0,
      balance: 12000,
    });
    expect(agingFor(result.portfolio, 't0001310').buckets).toEqual(
      buckets({ '1-30': 23500, '31-60': 23500, '61-90': 23500, '90+': 70500 }),
    );
    for (const r of result.reported) expect(r.importedCents).toBe(r.totalCents);
  });

  it('passes the portfolio schema together with the known properties', () => {
    expect(combined(result, 'yardi').ledger).toHaveLength(16);
  });
});

describe('generic transactions', () => {
  const withDefaults = run('generic', 'generic-transactions.csv', {
    propertyDefaults: GENERIC_PROPERTY_DEFAULTS,
  });

  it('reads one ledger entry per row with its transaction id', () => {
    expect(withDefaults.issues).toEqual([]);
    expect(withDefaults.level).toBe('transaction');
    expect(withDefaults.portfolio.ledger.map((e) => e.id)).toEqual([
      'C-1001',
      'C-1002',
      'PMT-2001',
      'C-1003',
      'PMT-2002',
      'C-1004',
      'PMT-2003',
      'CR-3001',
      'C-1005',
      'C-1006',
      'PMT-2004',
    ]);
    expect(withDefaults.portfolio.ledger[3]).toEqual({
      id: 'C-1003',
      leaseId: 'L2',
      date: '2026-10-06',
      type: 'charge',
      category: 'fee',
      amountCents: 7500,
      dueDate: '2026-10-06',
      memo: 'Late fee',
    });
  });

  it('reads a payment written as -800.00 as a payment of 800.00', () => {
    expect(withDefaults.portfolio.ledger[4]).toMatchObject({ type: 'payment', amountCents: 80000 });
  });

  it('puts roommates on one lease and reads languages by name or code', () => {
    const l2 = withDefaults.portfolio.leases.find((l) => l.id === 'L2');
    expect(l2?.tenantIds).toEqual(['T2', 'T3']);
    const languages = Object.fromEntries(
      withDefaults.portfolio.tenants.map((t) => [t.id, t.language]),
    );
    expect(languages).toEqual({ T1: 'en', T2: 'es', T3: 'es', T4: 'en', T9: 'vi', T10: 'es' });
  });

  it('creates the unknown property from --property-defaults with the name in the export', () => {
    expect(withDefaults.portfolio.properties).toEqual([
      {
        id: 'P2',
        name: 'Elm Street Storage',
        timezone: 'America/Los_Angeles',
        jurisdiction: 'US-CA',
        kind: 'storage',
        runAt: '09:00',
      },
    ]);
  });

  it('gives balances the ledger math agrees with, and passes the portfolio reader', () => {
    const p = combined(withDefaults, 'generic');
    expect(agingFor(p, 'L1').balance).toBe(97500);
    expect(agingFor(p, 'L2').balance).toBe(92500);
    expect(agingFor(p, 'L3').balance).toBe(0);
    expect(agingFor(p, 'L9').buckets).toEqual(buckets({ '1-30': 13500, '31-60': 13500 }));
    expect(agingFor(p, 'L10')).toEqual({ buckets: buckets({}), unapplied: 17000, balance: -17000 });
  });

  it('without --property-defaults, stops and names the unknown property', () => {
    const result = run('generic', 'generic-transactions.csv');
    expect(result.issues).toEqual([
      {
        file: 'generic-transactions.csv',
        path: 'row 10, column "property_id"',
        message:
          'unknown property `P2` (rows 10, 11, 12): add it to the portfolio first, or pass --property-defaults timezone=…,jurisdiction=…,kind=… to create it',
      },
    ]);
    expect(result.portfolio.ledger).toEqual([]);
  });
});

describe('generic aging rows', () => {
  it('accepts bucket columns instead of transactions', () => {
    const result = run('generic', 'generic-aging.csv');
    expect(result.issues).toEqual([]);
    expect(result.level).toBe('aging');
    expect(result.portfolio.tenants.map((t) => t.id)).toEqual([
      'L1:ana-ruiz',
      'L2:rosa-delgado',
      'L3:chloe-dubois',
    ]);
    expect(agingFor(result.portfolio, 'L2').buckets).toEqual(
      buckets({ current: 165000, '1-30': 7500 }),
    );
    expect(agingFor(result.portfolio, 'L3').unapplied).toBe(12000);
    expect(combined(result, 'generic').leases).toHaveLength(3);
  });
});

describe('bucket → synthetic charge dates', () => {
  const columns = {
    current: 'current',
    '1-30': '1-30',
    '31-60': '31-60',
    '61-90': '61-90',
    '90+': '90+',
  };
  const asOfs = ['2026-10-15', '2026-01-01', '2026-03-31', '2028-02-29', '2026-12-31'];

  it.each(asOfs)('as of %s, each bucket’s charge is in that bucket of report aging', (asOf) => {
    const header = `property_id,lease_id,tenant_name,${AGING_BUCKETS.map((b) => columns[b]).join(',')}`;
    const rows = AGING_BUCKETS.map(
      (b, i) =>
        `P1,L${i},Tenant ${i},${AGING_BUCKETS.map((c) => (c === b ? `${(i + 1) * 100}.00` : '0.00')).join(',')}`,
    );
    const result = run('generic', `aging-${asOf}.csv`, { asOf }, [header, ...rows].join('\n'));
    expect(result.issues).toEqual([]);
    AGING_BUCKETS.forEach((b, i) => {
      expect(agingFor(result.portfolio, `L${i}`, asOf).buckets).toEqual(
        buckets({ [b]: (i + 1) * 10000 }),
      );
      // …and never older than the bucket requires: one day younger leaves it.
      const due = result.portfolio.ledger.find((e) => e.leaseId === `L${i}`)?.dueDate ?? '';
      if (b !== 'current') {
        const younger = allocate([
          {
            id: 'c',
            leaseId: 'x',
            date: due,
            type: 'charge',
            amountCents: 1,
            dueDate: addDays(due, 1),
          },
        ]);
        expect(agingOf(younger, asOf)[b]).toBe(0);
      }
    });
  });
});

// ---------------------------------------------------------------------------------------

describe('bad files: every message names the file, row, column, value and fix', () => {
  const nothingUsable = (result: ImportResult) => {
    expect(result.portfolio.ledger).toEqual([]);
    expect(result.portfolio.leases).toEqual([]);
    expect(result.portfolio.tenants).toEqual([]);
    expect(result.reported).toEqual([]);
  };

  it('a missing required column: one issue naming it and the headers found', () => {
    const result = run('appfolio', 'malformed/missing-column.csv');
    expect(result.issues).toEqual([
      {
        file: 'missing-column.csv',
        path: 'row 1 (header)',
        message:
          'missing required column "Name" (also accepted: "Tenant", "Tenant Name", "Occupancy Name"); the header row has "Property", "Unit", "Tenant Status", "Phone Numbers", "Amount Receivable", "0-30", "30-60", "60-90", "90+". Rename the column or choose the right --preset',
      },
    ]);
    nothingUsable(result);
  });

  it('a date that does not exist', () => {
    const result = run('appfolio', 'malformed/bad-date.csv');
    expect(result.issues).toEqual([
      {
        file: 'bad-date.csv',
        path: 'row 3, column "Last Payment"',
        message:
          '`09/31/2026` is not a date; write it as MM/DD/YYYY (or YYYY-MM-DD), e.g. 10/15/2026',
      },
    ]);
    nothingUsable(result);
  });

  it('an amount that is not money, and a phone that cannot be dialled', () => {
    const result = run('generic', 'malformed/bad-amount.csv');
    expect(result.issues).toEqual([
      {
        file: 'bad-amount.csv',
        path: 'row 7, column "Amount"',
        message: '`12,3x` is not an amount; write it like 1234.56 or $1,234.56',
      },
      {
        file: 'bad-amount.csv',
        path: 'row 8, column "Phone"',
        message:
          '`555-1234` is not a phone number that can be dialled; write it with its area code, e.g. (415) 555-0101 or +14155550101, or leave the cell empty',
      },
    ]);
    nothingUsable(result);
  });

  it('a repeated row, and a lease on two rows with different amounts', () => {
    const result = run('buildium', 'malformed/duplicate-row.csv');
    expect(result.issues).toEqual([
      {
        file: 'duplicate-row.csv',
        path: 'row 5',
        message:
          'duplicate of row 3: the same lease (`riverside-lofts:1b:marcus-green`) with the same amounts appears twice; remove one of the two rows',
      },
      {
        file: 'duplicate-row.csv',
        path: 'row 6',
        message:
          'lease `riverside-lofts:2a:tiffany-nguyen` is already on row 4; an aging export has one row per lease: merge the two rows or remove one',
      },
    ]);
    nothingUsable(result);
  });

  it('unknown properties: the import stops and names every one, with its rows', () => {
    const result = run('yardi', 'malformed/unknown-property.csv');
    expect(result.issues).toEqual([
      {
        file: 'unknown-property.csv',
        path: 'row 3, column "Property"',
        message:
          'unknown property `elm2` (rows 3, 5; did you mean `elm02`?): add it to the portfolio first, or pass --property-defaults timezone=…,jurisdiction=…,kind=… to create it',
      },
      {
        file: 'unknown-property.csv',
        path: 'row 4, column "Property"',
        message:
          'unknown property `pine03` (row 4): add it to the portfolio first, or pass --property-defaults timezone=…,jurisdiction=…,kind=… to create it',
      },
    ]);
    nothingUsable(result);
    // Even --skip-invalid does not import around a wrong property.
    expect(
      run('yardi', 'malformed/unknown-property.csv', { skipInvalid: true }).issues,
    ).toHaveLength(2);
  });

  it('the same transaction id twice with different data', () => {
    const text = [
      'transaction_id,property_id,lease_id,tenant_name,date,type,amount',
      'T-1,P1,L1,Ana Ruiz,2026-10-01,charge,1500.00',
      'T-1,P1,L1,Ana Ruiz,2026-10-07,payment,500.00',
      'T-2,P1,L1,Ana Ruiz,2026-10-08,payment,100.00',
      'T-2,P1,L1,Ana Ruiz,2026-10-08,payment,100.00',
    ].join('\n');
    expect(run('generic', 'txns.csv', {}, text).issues).toEqual([
      {
        file: 'txns.csv',
        path: 'row 3, column "transaction_id"',
        message: 'transaction id `T-1` is already used on row 2; give each transaction its own id',
      },
      {
        file: 'txns.csv',
        path: 'row 5',
        message:
          'duplicate of row 4: the same transaction appears twice; remove one of the two rows',
      },
    ]);
  });

  it('two identical rows without transaction ids', () => {
    const text = [
      'property_id,lease_id,tenant_name,date,type,amount,memo',
      'P1,L1,Ana Ruiz,2026-10-06,charge,75.00,Late fee',
      'P1,L1,Ana Ruiz,2026-10-06,charge,75.00,Another fee',
    ].join('\n');
    expect(run('generic', 'txns.csv', {}, text).issues).toEqual([
      {
        file: 'txns.csv',
        path: 'row 3',
        message:
          'same lease, date, type, category and amount as row 2; if both are real, give each row its own id in a "transaction_id" column',
      },
    ]);
  });

  it('rows of one lease that disagree', () => {
    const text = [
      'property_id,lease_id,unit,tenant_id,tenant_name,date,type,amount',
      'P1,L1,12B,T1,Ana Ruiz,2026-10-01,charge,1500.00',
      'P1,L1,14A,T1,Ana Ruíz,2026-10-07,payment,500.00',
    ].join('\n');
    expect(run('generic', 'txns.csv', {}, text).issues).toEqual([
      {
        file: 'txns.csv',
        path: 'row 3, column "unit"',
        message:
          '`14A` differs from `12B` on row 2 for the same lease `L1`; give every row of it the same value (or leave the cell empty)',
      },
    ]);
  });

  it('an unknown status, an e-mail that is not one, a negative charge', () => {
    const text = [
      'property_id,lease_id,tenant_name,email,status,date,type,amount',
      'P1,L1,Ana Ruiz,ana@,on hold,2026-10-01,charge,-1500.00',
    ].join('\n');
    expect(
      run('generic', 'txns.csv', {}, text).issues.map((i) => `${i.path}: ${i.message}`),
    ).toEqual([
      'row 2, column "email": `ana@` is not an e-mail address; fix it or leave the cell empty',
      'row 2, column "status": `on hold` is not a status the generic preset knows; use one of active, current, notice, eviction, evict, moved_out, past, former, future, cancelled, delinquent, collections, suspended, active_lien (or leave it empty)',
      'row 2, column "amount": `-1500.00`: a charge cannot be negative; record money owed back to the tenant as type credit',
    ]);
  });

  it('a generic file with neither amounts nor buckets', () => {
    const result = run('generic', 'odd.csv', {}, 'property_id,lease_id,tenant_name\nP1,L1,Ana\n');
    expect(result.issues).toEqual([
      {
        file: 'odd.csv',
        path: 'row 1 (header)',
        message:
          'missing required column "amount" (one transaction per row) or aging bucket columns ("current", "1-30", "31-60", "61-90", "90+"); the header row has "property_id", "lease_id", "tenant_name"',
      },
    ]);
  });

  it('broken CSV quoting, an empty file, a row with too many values', () => {
    expect(run('generic', 'q.csv', {}, 'property_id,lease_id\n"P1,L1\n').issues).toEqual([
      {
        file: 'q.csv',
        path: 'row 2',
        message:
          'a quoted value is never closed: add the closing quote (") or remove the opening one',
      },
    ]);
    expect(run('appfolio', 'empty.csv', {}, '\uFEFF\r\n').issues).toEqual([
      {
        file: 'empty.csv',
        path: 'row 1',
        message:
          'the file is empty; it needs a header row with at least "Property", "Unit", "Name" and one row per lease',
      },
    ]);
    const text = 'property_id,lease_id,tenant_name,90+\nP1,L1,Ana Ruiz,1,500.00\n';
    expect(run('generic', 'wide.csv', {}, text).issues).toEqual([
      {
        file: 'wide.csv',
        path: 'row 2',
        message:
          'the row has 5 values but the header has 4 columns; put quotes around values that contain commas',
      },
    ]);
  });

  it('bad --property-defaults are reported before anything is read', () => {
    const result = run('generic', 'generic-transactions.csv', {
      propertyDefaults: { timezone: 'Pacific', jurisdiction: 'California', kind: 'storage' },
    });
    expect(result.issues).toEqual([
      {
        file: 'generic-transactions.csv',
        path: '--property-defaults',
        message: 'timezone: must be an IANA time zone such as America/Los_Angeles',
      },
      {
        file: 'generic-transactions.csv',
        path: '--property-defaults',
        message: 'jurisdiction: must be a code such as US-CA',
      },
    ]);
  });

  it('a total that disagrees with the buckets is a warning; the buckets win', () => {
    const text = [
      'Property,Unit,Name,Amount Receivable,0-30,30-60,60-90,90+',
      'Oak Court Apartments,101,Ana Ruiz,"2,000.00","1,850.00",0.00,0.00,0.00',
    ].join('\n');
    const result = run('appfolio', 'total.csv', {}, text);
    expect(result.issues).toEqual([]);
    expect(result.warnings).toEqual([
      {
        file: 'total.csv',
        path: 'row 2, column "Amount Receivable"',
        message:
          'the total $2,000.00 differs from the buckets ($1,850.00 after credits); the buckets were imported and the total kept for reconciliation',
      },
    ]);
    expect(result.reported).toMatchObject([{ totalCents: 200000, importedCents: 185000 }]);
  });
});

describe('--skip-invalid', () => {
  const result = run('generic', 'malformed/bad-amount.csv', { skipInvalid: true });

  it('imports the valid rows and returns the others as rejects', () => {
    expect(result.issues).toEqual([]);
    expect(result.counts).toMatchObject({ rows: 7, imported: 5, rejected: 2 });
    expect(result.portfolio.ledger.map((e) => e.id)).toEqual([
      'C-1001',
      'C-1002',
      'PMT-2001',
      'C-1003',
      'C-1004',
    ]);
    expect(result.rejects).toEqual([
      {
        row: 7,
        raw: {
          'Transaction ID': 'PMT-2002',
          'Property ID': 'P1',
          'Lease ID': 'L3',
          'Tenant Name': 'Chloe Dubois',
          Phone: '',
          Date: '2026-10-02',
          Type: 'payment',
          Category: '',
          Amount: '12,3x',
        },
        errors: ['column "Amount": `12,3x` is not an amount; write it like 1234.56 or $1,234.56'],
      },
      {
        row: 8,
        raw: {
          'Transaction ID': 'PMT-2003',
          'Property ID': 'P1',
          'Lease ID': 'L2',
          'Tenant Name': 'Rosa Delgado',
          Phone: '555-1234',
          Date: '2026-10-09',
          Type: 'payment',
          Category: '',
          Amount: '800.00',
        },
        errors: [
          'column "Phone": `555-1234` is not a phone number that can be dialled; write it with its area code, e.g. (415) 555-0101 or +14155550101, or leave the cell empty',
        ],
      },
    ]);
  });

  it('writes a reject file: the original columns plus an errors column', () => {
    expect(rejectsToCsv(result.rejects, result.headers)).toBe(
      '\uFEFF' +
        [
          'Transaction ID,Property ID,Lease ID,Tenant Name,Phone,Date,Type,Category,Amount,errors',
          'PMT-2002,P1,L3,Chloe Dubois,,2026-10-02,payment,,"12,3x","row 7: column ""Amount"": `12,3x` is not an amount; write it like 1234.56 or $1,234.56"',
          'PMT-2003,P1,L2,Rosa Delgado,555-1234,2026-10-09,payment,,800.00,"row 8: column ""Phone"": `555-1234` is not a phone number that can be dialled; write it with its area code, e.g. (415) 555-0101 or +14155550101, or leave the cell empty"',
        ].join('\n') +
        '\n',
    );
  });

  it('the reject file, once fixed, imports with the same preset', () => {
    const fixed = rejectsToCsv(result.rejects, result.headers)
      .replace('"12,3x"', '123.00')
      .replace('555-1234', '(415) 555-1234');
    const again = run('generic', 'bad-amount.rejects.csv', {}, fixed);
    expect(again.issues).toEqual([]);
    expect(again.columns.ignored).toEqual(['errors']);
    expect(again.portfolio.ledger.map((e) => [e.id, e.amountCents])).toEqual([
      ['PMT-2002', 12300],
      ['PMT-2003', 80000],
    ]);
  });
});

describe('re-importing is a no-op', () => {
  const cases: [PresetName, string][] = [
    ['appfolio', 'appfolio-delinquency.csv'],
    ['buildium', 'buildium-outstanding-balances.csv'],
    ['yardi', 'yardi-aging-detail.csv'],
    ['generic', 'generic-transactions.csv'],
  ];

  it.each(cases)('%s: the same text gives byte-identical output', (preset, name) => {
    const options = { propertyDefaults: GENERIC_PROPERTY_DEFAULTS };
    expect(JSON.stringify(run(preset, name, options))).toBe(
      JSON.stringify(run(preset, name, options)),
    );
  });

  it.each(cases)('%s: a BOM and CRLF line ends change nothing', (preset, name) => {
    const options = { propertyDefaults: GENERIC_PROPERTY_DEFAULTS };
    const windows = `\uFEFF${fixture(name).replace(/\n/g, '\r\n')}`;
    expect(JSON.stringify(run(preset, name, options, windows))).toBe(
      JSON.stringify(run(preset, name, options)),
    );
  });
});

describe('row numbers are line numbers in the file', () => {
  it('counts every line of a quoted value that spans lines', () => {
    const text = [
      'Property,Unit,Name,0-30,Delinquency Notes',
      'Oak Court Apartments,101,Ana Ruiz,100.00,"Called twice;',
      'left voicemail"',
      '',
      'Oak Court Apartments,102,Luis Ortega,abc,',
    ].join('\r\n');
    expect(run('appfolio', 'notes.csv', {}, `\uFEFF${text}`).issues).toEqual([
      {
        file: 'notes.csv',
        path: 'row 5, column "0-30"',
        message: '`abc` is not an amount; write it like 1234.56 or $1,234.56',
      },
    ]);
  });
});
